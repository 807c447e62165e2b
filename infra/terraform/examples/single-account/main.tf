# jitbot in one AWS account: the scheduler role, the connector role (with the "jitbot" schedule
# group), two requestable groups and one requestable policy. Run it in the target account:
#
#   export TF_VAR_external_id="$(openssl rand -hex 32)"   # also JITBOT_EXTERNAL_ID_PROD in jitbot's .env
#   terraform init && terraform apply -var jitbot_principal_arn=arn:aws:iam::999999999999:role/jitbot
#
# Then copy `terraform output catalog_account` into the catalog's accounts entry.
# The external ID ends up in the state file (as every secret Terraform sets does): keep the state
# in an encrypted, access-controlled backend.

terraform {
  required_version = ">= 1.3"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}

variable "region" {
  description = "The region jitbot calls EventBridge Scheduler in: the catalog's region for this account."
  type        = string
  default     = "us-east-1"
}

variable "jitbot_principal_arn" {
  description = "The IAM role jitbot runs as."
  type        = string
}

variable "external_id" {
  description = "The secret external ID for this account (JITBOT_EXTERNAL_ID_<ACCOUNT> in jitbot's environment)."
  type        = string
  sensitive   = true
}

variable "dead_letter_arn" {
  description = "Optional. A standard SQS queue for backstop runs that failed (the catalog's deadLetterArn); see docs/deploy.md for its queue policy and an alarm."
  type        = string
  default     = null
}

provider "aws" {
  region = var.region
}

# aws, aws-us-gov or aws-cn: the AWS managed policy below is named in the provider's partition.
data "aws_partition" "current" {}

module "scheduler_role" {
  source          = "../../modules/scheduler-role"
  region          = var.region
  dead_letter_arn = var.dead_letter_arn
}

module "connector_role" {
  source = "../../modules/connector-role"

  jitbot_principal_arn = var.jitbot_principal_arn
  external_id          = var.external_id
  scheduler_role_arn   = module.scheduler_role.arn
  region               = var.region
}

# Catalog target `group: jit-prod-admin`.
module "prod_admin" {
  source = "../../modules/jit-group"

  name                = "jit-prod-admin"
  managed_policy_arns = ["arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"]
}

# Catalog target `group: jit-prod-billing`: an inline policy instead of a managed one.
module "prod_billing" {
  source = "../../modules/jit-group"

  name = "jit-prod-billing"
  inline_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["aws-portal:ViewBilling", "ce:GetCostAndUsage", "budgets:ViewBudget"]
      Resource = "*"
    }]
  })
}

# Catalog target `kind: aws-iam-policy`, `policyArn: <module.read_logs.arn>`: attached to the
# requester's IAM user for the grant.
module "read_logs" {
  source = "../../modules/jit-policy"

  name = "jit-read-logs"
  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults"]
      Resource = "*"
    }]
  })
}

output "catalog_account" {
  description = "The values for this account's entry in the jitbot catalog."
  # deadLetterArn only when a queue was given.
  value = merge(
    module.connector_role.catalog_account,
    { for key, value in { deadLetterArn = module.scheduler_role.dead_letter_arn } : key => value if value != null },
  )
}

output "groups" {
  description = "The requestable groups (the catalog targets' group values)."
  value       = [module.prod_admin.name, module.prod_billing.name]
}

output "policies" {
  description = "The requestable policies (the catalog targets' policyArn values)."
  value       = [module.read_logs.arn]
}
