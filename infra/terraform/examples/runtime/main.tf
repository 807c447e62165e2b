# jitbot itself on ECS Fargate in HTTP mode, with its PostgreSQL on RDS, and the roles of one
# target account (the same account here; in practice usually another). Run it in the account
# jitbot runs in:
#
#   export TF_VAR_external_id="$(openssl rand -hex 32)"
#   terraform init && terraform apply \
#     -var image=123456789012.dkr.ecr.us-east-1.amazonaws.com/jitbot-acme:2026-11-22.1 \
#     -var vpc_id=vpc-0abc... -var 'private_subnet_ids=["subnet-a","subnet-b"]' \
#     -var 'public_subnet_ids=["subnet-c","subnet-d"]' -var certificate_arn=arn:aws:acm:... \
#     -var slack_secret_arn=arn:aws:secretsmanager:us-east-1:123456789012:secret:jitbot-slack-AbCdEf
#
# The image is jitbot's with your catalog (and the RDS certificate bundle) baked in: see
# Dockerfile.catalog next to this file. slack_secret_arn is one JSON secret holding
# SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, made beforehand so the tokens never pass through
# Terraform. The external ID does (it is in the connector role's trust policy anyway): keep the
# state in an encrypted, access-controlled backend.
# Then point a DNS name of the certificate at `terraform output alb_dns_name`, set
# https://THAT-NAME/slack/events as the request URL in slack/manifest.yaml, and copy
# `terraform output catalog_account` into the catalog's accounts entry.

terraform {
  required_version = ">= 1.3"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 7.0"
    }
  }
}

variable "region" {
  description = "The region jitbot runs in, and the catalog's region for this account."
  type        = string
  default     = "us-east-1"
}

variable "image" {
  description = "jitbot's image with the catalog baked in, by digest or version tag."
  type        = string
}

variable "vpc_id" {
  description = "The VPC to run in."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets with a NAT gateway, for the tasks and the database."
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "Public subnets for the load balancer."
  type        = list(string)
}

variable "certificate_arn" {
  description = "The ACM certificate of the host name Slack calls."
  type        = string
}

variable "slack_secret_arn" {
  description = "A JSON secret with the keys SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN."
  type        = string
}

variable "external_id" {
  description = "The secret external ID for this account (JITBOT_EXTERNAL_ID_PROD in the catalog)."
  type        = string
  sensitive   = true
}

variable "audit_sink" {
  description = "Optional. s3://bucket/prefix for jitbot's audit log objects."
  type        = string
  default     = null
}

provider "aws" {
  region = var.region
}

# The external ID, where the task reads it from at start (the catalog says ${JITBOT_EXTERNAL_ID_PROD}).
resource "aws_secretsmanager_secret" "external_id_prod" {
  name_prefix = "jitbot-external-id-prod-"
}

resource "aws_secretsmanager_secret_version" "external_id_prod" {
  secret_id     = aws_secretsmanager_secret.external_id_prod.id
  secret_string = var.external_id
}

module "runtime" {
  source = "../../modules/runtime"

  image           = var.image
  vpc_id          = var.vpc_id
  subnet_ids      = var.private_subnet_ids
  mode            = "http"
  certificate_arn = var.certificate_arn
  # Each account's connector role; the task role may assume these only.
  connector_role_arns = [module.connector_role.arn]
  audit_sink          = var.audit_sink

  public_subnet_ids = var.public_subnet_ids

  secrets = {
    SLACK_SIGNING_SECRET    = "${var.slack_secret_arn}:SLACK_SIGNING_SECRET::"
    SLACK_BOT_TOKEN         = "${var.slack_secret_arn}:SLACK_BOT_TOKEN::"
    JITBOT_EXTERNAL_ID_PROD = aws_secretsmanager_secret.external_id_prod.arn
  }

  environment = {
    LOG_LEVEL = "info"
  }
}

module "scheduler_role" {
  source = "../../modules/scheduler-role"
  region = var.region
}

# The connector role trusts the task role, and only it.
module "connector_role" {
  source = "../../modules/connector-role"

  jitbot_principal_arn = module.runtime.task_role_arn
  external_id          = var.external_id
  scheduler_role_arn   = module.scheduler_role.arn
  region               = var.region
}

output "alb_dns_name" {
  description = "Point the certificate's host name here; Slack's request URL is https://THAT-NAME/slack/events."
  value       = module.runtime.alb_dns_name
}

output "task_role_arn" {
  description = "jitbot's role: the jitbot_principal_arn of every other account's connector role."
  value       = module.runtime.task_role_arn
}

output "service_name" {
  description = "The ECS service."
  value       = module.runtime.service_name
}

output "log_group_name" {
  description = "jitbot's log."
  value       = module.runtime.log_group_name
}

output "catalog_account" {
  description = "The values for this account's entry in the jitbot catalog."
  value       = module.connector_role.catalog_account
}
