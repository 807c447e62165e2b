# jitbot for IAM Identity Center (the aws-sso-permission-set and aws-sso-group target kinds): the
# connector and scheduler roles and the "jitbot" schedule group in the Identity Center account
# (the management account, or the delegated administrator), and one requestable permission set:
# tagged jitbot = allowed, with a short session. Run it in that account and Identity Center's
# home region:
#
#   export TF_VAR_external_id="$(openssl rand -hex 32)"   # also JITBOT_EXTERNAL_ID_<ACCOUNT> in jitbot's .env
#   terraform init && terraform apply \
#     -var jitbot_principal_arn=arn:aws:iam::999999999999:role/jitbot \
#     -var management_account_id=111111111111 \
#     -var 'allowed_group_ids=["9a67a5c2-0000-0000-0000-000000000000"]'
#
# Then copy `terraform output catalog_account` into the catalog's accounts entry and
# `terraform output catalog_identity_center` into its identityCenter block.
# The external ID ends up in the state file: keep the state in an encrypted, access-controlled backend.

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
  description = "Identity Center's home region."
  type        = string
  default     = "us-east-1"
}

variable "jitbot_principal_arn" {
  description = "The IAM role jitbot runs as."
  type        = string
}

variable "external_id" {
  description = "The secret external ID for the Identity Center account (JITBOT_EXTERNAL_ID_<ACCOUNT> in jitbot's environment)."
  type        = string
  sensitive   = true
}

variable "management_account_id" {
  description = "The organization's management account: jitbot never assigns permission sets there."
  type        = string
}

variable "allowed_group_ids" {
  description = "The groupId of every aws-sso-group target."
  type        = list(string)
  default     = []
}

variable "dead_letter_arn" {
  description = "Optional. A standard SQS queue for backstop runs that failed (the catalog's deadLetterArn)."
  type        = string
  default     = null
}

provider "aws" {
  region = var.region
}

# The instance and its identity store, as Identity Center reports them.
data "aws_ssoadmin_instances" "this" {}

# aws, aws-us-gov or aws-cn: the AWS managed policy below is named in the provider's partition.
data "aws_partition" "current" {}

locals {
  instance_arn      = tolist(data.aws_ssoadmin_instances.this.arns)[0]
  identity_store_id = tolist(data.aws_ssoadmin_instances.this.identity_store_ids)[0]
}

module "identity_center" {
  source = "../../modules/identity-center-connector"

  jitbot_principal_arn  = var.jitbot_principal_arn
  external_id           = var.external_id
  instance_arn          = local.instance_arn
  identity_store_id     = local.identity_store_id
  management_account_id = var.management_account_id
  allowed_group_ids     = var.allowed_group_ids
  region                = var.region
  dead_letter_arn       = var.dead_letter_arn
}

# Catalog target `kind: aws-sso-permission-set`, `permissionSetArn: <output permission_set_arn>`.
# The tag jitbot = allowed puts it within the connector's reach (only the people who administer
# permission sets should be able to set it). The session is short because removing an assignment
# does not end a session already started: it lasts until session_duration. For a permission set
# another configuration owns, add the tag there (or with aws sso-admin tag-resource).
resource "aws_ssoadmin_permission_set" "prod_admin" {
  instance_arn     = local.instance_arn
  name             = "JitProdAdmin"
  description      = "Administrator access in production, granted for a while through jitbot."
  session_duration = "PT1H"
  tags             = { jitbot = "allowed" }
}

resource "aws_ssoadmin_managed_policy_attachment" "prod_admin" {
  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.prod_admin.arn
  managed_policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
}

output "catalog_account" {
  description = "The values for the Identity Center account's entry in the jitbot catalog."
  value       = module.identity_center.catalog_account
}

output "catalog_identity_center" {
  description = "The catalog's identityCenter values."
  value       = module.identity_center.catalog_identity_center
}

output "permission_set_arn" {
  description = "The requestable permission set (a catalog target's permissionSetArn)."
  value       = aws_ssoadmin_permission_set.prod_admin.arn
}
