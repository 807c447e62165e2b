# jitbot in the IAM Identity Center account (the management account, or the delegated
# administrator): the role jitbot assumes to assign permission sets and change Identity Store
# group memberships, the role EventBridge Scheduler uses to undo them at expiry, and the "jitbot"
# schedule group. The connector may assign only permission sets tagged jitbot = allowed (or the
# listed ones), change the membership of the listed groups only, read what it needs for that
# (and, for jitbot doctor, its scheduler role and the "jitbot" schedule group), and never create,
# edit, tag or untag anything, nor assign in the management account.
# The policies are the JSON files in infra/policies, shared with CloudFormation and the tests.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
# aws, aws-us-gov or aws-cn: every ARN the policies name is in the provider's partition.
data "aws_partition" "current" {}

locals {
  policies    = "${path.module}/../../../policies"
  account_id  = data.aws_caller_identity.current.account_id
  region      = coalesce(var.region, data.aws_region.current.name)
  partition   = data.aws_partition.current.partition
  instance_id = element(split("/", var.instance_arn), 1)
  # Every listed permission set must belong to the instance (and partition).
  permission_set_prefix = "arn:${local.partition}:sso:::permissionSet/${local.instance_id}/"

  # Placeholders that stand for a list (infra/policies/README.md). templatefile() leaves them as
  # they are ("$${name}" is the text ${name}); below, a Resource entry holding one is repeated
  # for each value, and a statement holding an empty one is left out.
  lists = {
    allowed_group_ids   = var.allowed_group_ids
    permission_set_arns = var.permission_set_arns
  }
  placeholders = { for name, _ in local.lists : name => "$${${name}}" }

  # Listed permission sets replace the tag: the tag-scoped statement is then left out.
  left_out = length(var.permission_set_arns) > 0 ? ["PermissionSetsTaggedJitbotAllowedOnly"] : []

  templates = {
    connector = jsondecode(templatefile("${local.policies}/identity-center-connector-permissions.json", {
      partition             = local.partition
      account_id            = local.account_id
      region                = local.region
      instance_id           = local.instance_id
      identity_store_id     = var.identity_store_id
      management_account_id = var.management_account_id
      scheduler_role_arn    = aws_iam_role.scheduler.arn
      allowed_group_ids     = local.placeholders.allowed_group_ids
      permission_set_arns   = local.placeholders.permission_set_arns
    }))
    scheduler = jsondecode(templatefile("${local.policies}/identity-center-scheduler-permissions.json", {
      partition           = local.partition
      instance_id         = local.instance_id
      identity_store_id   = var.identity_store_id
      allowed_group_ids   = local.placeholders.allowed_group_ids
      permission_set_arns = local.placeholders.permission_set_arns
    }))
  }

  documents = {
    for role, template in local.templates : role => {
      Version = template.Version
      Statement = [
        for statement in template.Statement : merge(statement, {
          Resource = flatten([
            for entry in flatten([statement.Resource]) : concat(
              [
                for name, placeholder in local.placeholders : [for value in local.lists[name] : replace(entry, placeholder, value)]
                if replace(entry, placeholder, "") != entry
              ],
              alltrue([for placeholder in values(local.placeholders) : replace(entry, placeholder, "") == entry]) ? [entry] : [],
            )
          ])
        })
        if !contains(local.left_out, statement.Sid) && alltrue([
          for name, placeholder in local.placeholders : length(local.lists[name]) > 0 || alltrue([
            for entry in flatten([statement.Resource]) : replace(entry, placeholder, "") == entry
          ])
        ])
      ]
    }
  }
}

resource "aws_iam_role" "connector" {
  name                 = var.connector_role_name
  path                 = var.path
  description          = "jitbot assigns permission sets tagged jitbot=allowed (or listed) and changes the membership of the listed Identity Store groups, and manages its backstop schedules."
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  # The same trust as every other account's connector role: jitbot, its external ID, jitbot-* sessions.
  assume_role_policy = jsonencode(jsondecode(templatefile("${local.policies}/connector-trust.json", {
    jitbot_principal_arn = var.jitbot_principal_arn
    external_id          = var.external_id
  })))

  lifecycle {
    precondition {
      condition     = can(regex("^arn:${local.partition}:", var.instance_arn))
      error_message = "instance_arn is not in the provider's partition (${local.partition})."
    }
    precondition {
      condition     = alltrue([for arn in var.permission_set_arns : substr(arn, 0, length(local.permission_set_prefix)) == local.permission_set_prefix])
      error_message = "Every permission_set_arns entry must be a permission set of instance_arn, in the provider's partition."
    }
  }
}

resource "aws_iam_role_policy" "connector" {
  name   = "jitbot-identity-center-connector-permissions"
  role   = aws_iam_role.connector.id
  policy = jsonencode(local.documents.connector)
}

resource "aws_iam_role" "scheduler" {
  name                 = var.scheduler_role_name
  path                 = var.path
  description          = "EventBridge Scheduler removes expired jitbot account assignments and Identity Store group memberships with this role."
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
  name   = "jitbot-identity-center-scheduler-permissions"
  role   = aws_iam_role.scheduler.id
  policy = jsonencode(local.documents.scheduler)
}

# Scheduler delivers a run that still failed after its retries (a day) to the dead-letter queue
# with this role. Only with dead_letter_arn set (the catalog's deadLetterArn for this account).
resource "aws_iam_role_policy" "dead_letter" {
  count = var.dead_letter_arn == null ? 0 : 1

  name = "jitbot-scheduler-dead-letter"
  role = aws_iam_role.scheduler.id

  policy = jsonencode(jsondecode(templatefile("${local.policies}/scheduler-dead-letter.json", {
    dead_letter_arn = var.dead_letter_arn
  })))
}

# jitbot creates its backstop schedules here; the connector's permissions name this group only.
resource "aws_scheduler_schedule_group" "jitbot" {
  count = var.create_schedule_group ? 1 : 0

  name = "jitbot"
  tags = var.tags
}
