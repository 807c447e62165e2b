/**
 * Checks a payload against the Slack limits jitbot's builders can reach, listing every breach.
 * Slack refuses a payload over any one of them, so `expect(limitProblems(x)).toEqual([])`.
 */
import type { ModalView } from '@slack/types';
import { SLACK_LIMITS as L } from '../../src/slack/blocks/limits.js';
import type { SlackMessage } from '../../src/slack/blocks/types.js';

type Node = { readonly [key: string]: unknown };

function node(value: unknown): Node {
  return typeof value === 'object' && value !== null ? (value as Node) : {};
}

function list(value: unknown): Node[] {
  return Array.isArray(value) ? value.map(node) : [];
}

class Problems {
  readonly found: string[] = [];

  string(where: string, value: unknown, max: number, min = 1): void {
    if (typeof value !== 'string' || value.length < min) this.found.push(`${where}: missing or empty`);
    else if (value.length > max) this.found.push(`${where}: ${value.length} characters, over ${max}`);
  }

  /** A text object: `{ type, text }`. */
  text(where: string, value: unknown, max: number = L.text): void {
    this.string(`${where}.text`, node(value).text, max);
  }

  count(where: string, value: unknown, max: number): void {
    const length = Array.isArray(value) ? value.length : 0;
    if (length > max) this.found.push(`${where}: ${length} items, over ${max}`);
  }
}

function checkOptions(p: Problems, where: string, options: unknown): void {
  p.count(where, options, L.optionsPerSelect);
  for (const [i, option] of list(options).entries()) {
    p.text(`${where}[${i}].text`, option.text, L.optionText);
    p.string(`${where}[${i}].value`, option.value, L.optionValue);
    if (option.description) p.text(`${where}[${i}].description`, option.description, L.optionText);
  }
}

function optionValues(element: Node): unknown[] {
  const groups = list(element.option_groups).flatMap((group) => list(group.options));
  return [...list(element.options), ...groups].map((option) => option.value);
}

function checkElement(p: Problems, where: string, element: Node): void {
  if (element.placeholder) p.text(`${where}.placeholder`, element.placeholder, L.placeholder);
  if (element.type === 'button') {
    p.text(`${where}.text`, element.text, L.buttonText);
    p.string(`${where}.value`, element.value, 2000);
  }
  if (element.type !== 'static_select') return;
  if (element.options && element.option_groups) p.found.push(`${where}: both options and option_groups`);
  checkOptions(p, `${where}.options`, element.options);
  p.count(`${where}.option_groups`, element.option_groups, L.optionGroupsPerSelect);
  for (const [i, group] of list(element.option_groups).entries()) {
    p.text(`${where}.option_groups[${i}].label`, group.label, L.optionText);
    checkOptions(p, `${where}.option_groups[${i}].options`, group.options);
  }
  const initial = node(element.initial_option).value;
  if (initial !== undefined && !optionValues(element).includes(initial)) {
    p.found.push(`${where}.initial_option: ${String(initial)} is not one of the options`);
  }
}

function checkBlock(p: Problems, where: string, block: Node): void {
  switch (block.type) {
    case 'header':
      p.text(`${where}.text`, block.text, L.header);
      return;
    case 'section':
      if (block.text) p.text(`${where}.text`, block.text);
      p.count(`${where}.fields`, block.fields, L.fieldsPerSection);
      for (const [i, field] of list(block.fields).entries()) p.text(`${where}.fields[${i}]`, field, L.field);
      return;
    case 'context':
      p.count(`${where}.elements`, block.elements, L.contextElements);
      for (const [i, element] of list(block.elements).entries()) p.text(`${where}.elements[${i}]`, element);
      return;
    case 'actions':
      p.count(`${where}.elements`, block.elements, 25);
      for (const [i, element] of list(block.elements).entries())
        checkElement(p, `${where}.elements[${i}]`, element);
      return;
    case 'input':
      p.text(`${where}.label`, block.label, L.label);
      checkElement(p, `${where}.element`, node(block.element));
      return;
    default:
      p.found.push(`${where}: unexpected block type ${String(block.type)}`);
  }
}

export function limitProblems(payload: SlackMessage | ModalView): string[] {
  const p = new Problems();
  const isView = 'type' in payload && payload.type === 'modal';
  if (isView) {
    for (const key of ['title', 'submit', 'close'] as const) p.text(key, payload[key], L.modalTitle);
    if (payload.private_metadata !== undefined)
      p.string('private_metadata', payload.private_metadata, 3000, 0);
  } else {
    p.string('text', 'text' in payload ? payload.text : undefined, L.fallbackText);
  }
  p.count('blocks', payload.blocks, isView ? L.blocksPerView : L.blocksPerMessage);
  for (const [i, block] of list(payload.blocks).entries()) checkBlock(p, `blocks[${i}]`, block);
  return p.found;
}
