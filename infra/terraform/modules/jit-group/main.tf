# An IAM group people can request through jitbot. It lives under the /jit/ path, the only place
# the connector role may change membership: a group elsewhere cannot be granted by jitbot.
# Manage its members through jitbot only; Terraform here owns the group and its policies, never
# its members (no aws_iam_group_membership), so an apply cannot undo or extend a grant.

resource "aws_iam_group" "this" {
  name = var.name
  path = "/jit/"
}

resource "aws_iam_group_policy_attachment" "managed" {
  for_each = toset(var.managed_policy_arns)

  group      = aws_iam_group.this.name
  policy_arn = each.value
}

resource "aws_iam_group_policy" "inline" {
  count = var.inline_policy_json == null ? 0 : 1

  name   = var.inline_policy_name
  group  = aws_iam_group.this.name
  policy = var.inline_policy_json
}
