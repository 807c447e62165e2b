# The service control policy that keeps every principal but jitbot's two roles out of
# /jit/generated/, where jitbot creates one policy per grant. Apply it in the organization's
# management account (or the delegated administrator for policies), to the accounts where
# jitbot has a connector role, or to their OU:
#
#   terraform init && terraform apply -var 'target_ids=["ou-abcd-12345678"]'
#
# SCPs do not apply to the management account itself, nor to service-linked roles. Read
# infra/policies/README.md ("The SCP for generated policies") for what it stops and what it does not.

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
  description = "Any region: AWS Organizations is global."
  type        = string
  default     = "us-east-1"
}

variable "target_ids" {
  description = "Where to attach the SCP: OU ids (ou-...), account ids, or the root (r-...). Every account with a jitbot connector role."
  type        = list(string)
}

variable "connector_role_arn" {
  description = "The connector role as aws:PrincipalArn names it, or a pattern for every account: arn:*:iam::*:role/jitbot-connector (put the role's path before its name if it has one)."
  type        = string
  default     = "arn:*:iam::*:role/jitbot-connector"
}

variable "scheduler_role_arn" {
  description = "The scheduler role as aws:PrincipalArn names it, or a pattern for every account."
  type        = string
  default     = "arn:*:iam::*:role/jitbot-scheduler"
}

provider "aws" {
  region = var.region
}

locals {
  policies = "${path.module}/../../../policies"
}

resource "aws_organizations_policy" "jit_generated_policies" {
  name        = "jitbot-generated-policies"
  description = "Only jitbot's connector role creates, attaches or deletes policies under /jit/generated/; nobody edits them or gives them to groups or roles."
  type        = "SERVICE_CONTROL_POLICY"

  content = jsonencode(jsondecode(templatefile("${local.policies}/scp-jit-generated-policies.json", {
    connector_role_arn = var.connector_role_arn
    scheduler_role_arn = var.scheduler_role_arn
  })))
}

resource "aws_organizations_policy_attachment" "jit_generated_policies" {
  for_each  = toset(var.target_ids)
  policy_id = aws_organizations_policy.jit_generated_policies.id
  target_id = each.value
}
