# The role EventBridge Scheduler assumes to run jitbot's backstop: at a grant's expiry it calls
# iam:RemoveUserFromGroup (universal target arn:<partition>:scheduler:::aws-sdk:iam:removeUserFromGroup)
# for a group grant, or iam:DetachUserPolicy (arn:<partition>:scheduler:::aws-sdk:iam:detachUserPolicy)
# for a policy grant, so access ends even when every jitbot replica is down. It can remove members
# of /jit/ groups and detach /jit/ policies from users, nothing else; with a dead-letter queue,
# it may also send a failed run's event to that one queue.
# The policies are the JSON files in infra/policies, shared with CloudFormation and the tests.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
# aws, aws-us-gov or aws-cn: every ARN the policies name is in the provider's partition.
data "aws_partition" "current" {}

locals {
  policies   = "${path.module}/../../../policies"
  account_id = data.aws_caller_identity.current.account_id
  region     = coalesce(var.region, data.aws_region.current.name)
  partition  = data.aws_partition.current.partition
}

resource "aws_iam_role" "scheduler" {
  name                 = var.name
  path                 = var.path
  description          = "EventBridge Scheduler removes expired jitbot grants from /jit/ groups, and detaches expired /jit/ policies from users, with this role."
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  # Only Scheduler, only for schedules of this account's "jitbot" group (confused-deputy guard).
  assume_role_policy = jsonencode(jsondecode(templatefile("${local.policies}/scheduler-trust.json", {
    partition  = local.partition
    account_id = local.account_id
    region     = local.region
  })))
}

resource "aws_iam_role_policy" "scheduler" {
  name = "jitbot-scheduler-permissions"
  role = aws_iam_role.scheduler.id

  policy = jsonencode(jsondecode(templatefile("${local.policies}/scheduler-permissions.json", {
    partition  = local.partition
    account_id = local.account_id
  })))
}

# Scheduler delivers a run that still failed after its retries (a day) to the dead-letter queue
# with this role, so it needs sqs:SendMessage there. Only with dead_letter_arn set (the catalog's
# deadLetterArn for this account).
resource "aws_iam_role_policy" "dead_letter" {
  count = var.dead_letter_arn == null ? 0 : 1

  name = "jitbot-scheduler-dead-letter"
  role = aws_iam_role.scheduler.id

  policy = jsonencode(jsondecode(templatefile("${local.policies}/scheduler-dead-letter.json", {
    dead_letter_arn = var.dead_letter_arn
  })))
}
