# An IAM policy people can request through jitbot: for the grant, jitbot attaches it to the
# person's IAM user, and detaches it at the end. It lives under the /jit/ path, the only place
# the connector role may attach policies from: a policy elsewhere (or an AWS managed one) cannot
# be granted by jitbot.
# Manage its attachments through jitbot only; Terraform here owns the policy and its document,
# never who it is attached to (no aws_iam_policy_attachment or aws_iam_user_policy_attachment),
# so an apply cannot undo or extend a grant.

resource "aws_iam_policy" "this" {
  name        = var.name
  path        = "/jit/"
  description = var.description
  policy      = var.policy_json
  tags        = var.tags
}
