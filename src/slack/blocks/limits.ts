/**
 * Slack's payload limits that jitbot's builders can reach. A payload over any of them is refused
 * whole (`invalid_blocks`), so builders cut text to fit rather than trust input lengths.
 * Source: the Block Kit reference (docs.slack.dev/reference/block-kit).
 */
export const SLACK_LIMITS = {
  /** Section text, context element text, plain_text objects in general. */
  text: 3000,
  /** Each of a section's `fields`. */
  field: 2000,
  fieldsPerSection: 10,
  contextElements: 10,
  header: 150,
  buttonText: 75,
  /** Option text, option description and option group label. */
  optionText: 75,
  optionValue: 75,
  optionsPerSelect: 100,
  optionGroupsPerSelect: 100,
  placeholder: 150,
  /** Input labels and hints. */
  label: 2000,
  /** Modal title, submit and close. */
  modalTitle: 24,
  blocksPerMessage: 50,
  blocksPerView: 100,
  /** Top-level `text`: Slack allows more, but cuts long messages in notifications anyway. */
  fallbackText: 3000,
} as const;
