# The role jitbot assumes in this account (STS AssumeRole with the external ID, session name
# jitbot-<request id>). It may read users, change the membership of IAM groups under /jit/ only,
# read IAM policies under /jit/ and who they are attached to, attach them to or detach them from
# users (those only), create, read back and delete the policies it generates under
# /jit/generated/ only, manage schedules in the "jitbot" schedule group only, list policy and
# schedule names (the two calls take no resource; drift finds what ended grants left behind),
# pass the scheduler role to Scheduler, and read that role and the "jitbot" schedule group
# (jitbot doctor checks they exist and that Scheduler may use the role).
# It cannot create users or groups, create a policy outside /jit/generated/ or a new version of
# any policy, attach any policy outside /jit/ (AWS managed ones included), attach policies to
# groups or roles, or touch any group outside /jit/.
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

resource "aws_iam_role" "connector" {
  name                 = var.name
  path                 = var.path
  description          = "jitbot adds and removes members of /jit/ IAM groups, attaches and detaches /jit/ IAM policies on users, creates and deletes the policies it generates under /jit/generated/, and manages its backstop schedules."
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  assume_role_policy = jsonencode(jsondecode(templatefile("${local.policies}/connector-trust.json", {
    jitbot_principal_arn = var.jitbot_principal_arn
    external_id          = var.external_id
  })))
}

resource "aws_iam_role_policy" "connector" {
  name = "jitbot-connector-permissions"
  role = aws_iam_role.connector.id

  policy = jsonencode(jsondecode(templatefile("${local.policies}/connector-permissions.json", {
    partition          = local.partition
    account_id         = local.account_id
    region             = local.region
    scheduler_role_arn = var.scheduler_role_arn
  })))
}

# jitbot creates its backstop schedules here; the connector's permissions name this group only.
resource "aws_scheduler_schedule_group" "jitbot" {
  name = "jitbot"
  tags = var.tags
}
