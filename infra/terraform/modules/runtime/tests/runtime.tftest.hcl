# terraform test with a mocked AWS provider (Terraform 1.7+): no AWS account, no credentials.
# What a plan decides without AWS: which resources exist in each mode, what the policies say,
# and which inputs are refused.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "999999999999" }
  }
  mock_resource "aws_db_instance" {
    defaults = {
      address            = "jitbot.abc.us-east-1.rds.amazonaws.com"
      master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:999999999999:secret:rds!db-1-AbCdEf", kms_key_id = "", secret_status = "active" }]
    }
  }
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:999999999999:loadbalancer/app/jitbot/1", dns_name = "jitbot-1.us-east-1.elb.amazonaws.com" }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:999999999999:listener/app/jitbot/1/2" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:999999999999:targetgroup/jitbot/1" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:999999999999:cluster/jitbot" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:999999999999:task-definition/jitbot:1" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::999999999999:role/jitbot-task" }
  }
}

variables {
  image               = "999999999999.dkr.ecr.us-east-1.amazonaws.com/jitbot-acme:2026.11.1"
  vpc_id              = "vpc-0abc"
  subnet_ids          = ["subnet-a", "subnet-b"]
  public_subnet_ids   = ["subnet-c", "subnet-d"]
  certificate_arn     = "arn:aws:acm:us-east-1:999999999999:certificate/abc"
  connector_role_arns = ["arn:aws:iam::111111111111:role/jitbot-connector"]
  secrets = {
    SLACK_SIGNING_SECRET = "arn:aws:secretsmanager:us-east-1:999999999999:secret:jitbot-slack-AbCdEf:SLACK_SIGNING_SECRET::"
    SLACK_BOT_TOKEN      = "arn:aws:secretsmanager:us-east-1:999999999999:secret:jitbot-slack-AbCdEf:SLACK_BOT_TOKEN::"
  }
}

run "http_mode" {
  command = apply

  assert {
    condition     = length(aws_lb.jitbot) == 1 && length(aws_vpc_security_group_ingress_rule.task_from_alb) == 1
    error_message = "HTTP mode creates the load balancer and lets it, only it, reach the tasks."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.task.policy).Statement[0].Resource == ["arn:aws:iam::111111111111:role/jitbot-connector"]
    error_message = "The task role may assume the listed connector role only."
  }
  assert {
    condition     = length(aws_iam_role_policy.audit_sink) == 0
    error_message = "Without audit_sink the task role has no S3 statement."
  }
  assert {
    condition = toset(jsondecode(aws_iam_role_policy.execution.policy).Statement[1].Resource) == toset([
      "arn:aws:secretsmanager:us-east-1:999999999999:secret:jitbot-slack-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:999999999999:secret:rds!db-1-AbCdEf",
    ])
    error_message = "The execution role reads the given secrets and the database's, without JSON keys."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.jitbot.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "The root filesystem is read-only."
  }
}

run "socket_mode_with_audit_sink" {
  command = apply

  variables {
    mode       = "socket"
    audit_sink = "s3://acme-audit/jitbot/"
    secrets = {
      SLACK_SIGNING_SECRET = "arn:aws:secretsmanager:us-east-1:999999999999:secret:jitbot-slack-AbCdEf:SLACK_SIGNING_SECRET::"
      SLACK_BOT_TOKEN      = "arn:aws:secretsmanager:us-east-1:999999999999:secret:jitbot-slack-AbCdEf:SLACK_BOT_TOKEN::"
      SLACK_APP_TOKEN      = "arn:aws:secretsmanager:us-east-1:999999999999:secret:jitbot-slack-AbCdEf:SLACK_APP_TOKEN::"
    }
  }

  assert {
    condition     = length(aws_lb.jitbot) == 0 && length(aws_vpc_security_group_ingress_rule.task_from_alb) == 0
    error_message = "Socket Mode has no load balancer and no ingress to the tasks."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.audit_sink[0].policy).Statement[0].Resource == "arn:aws:s3:::acme-audit/jitbot/*"
    error_message = "The task role may put objects under the sink's prefix only."
  }
}

run "refuses_latest" {
  command = plan

  variables {
    image = "ghcr.io/acme/jitbot:latest"
  }

  expect_failures = [var.image]
}

run "socket_mode_needs_the_app_token" {
  command = plan

  variables {
    mode = "socket"
  }

  expect_failures = [aws_ecs_task_definition.jitbot]
}
