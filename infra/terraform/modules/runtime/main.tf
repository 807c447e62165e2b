# jitbot on ECS Fargate: tasks (two by default) with a read-only root filesystem as the image's
# non-root user, secrets injected from Secrets Manager, logs in CloudWatch, PostgreSQL on RDS (or
# a DATABASE_URL secret), and either an HTTPS load balancer that forwards POST /slack/events
# only (HTTP mode) or no inbound traffic at all (Socket Mode).
# The task role may assume the connector roles and, with an audit sink, put objects under its
# prefix: nothing else. The execution role may pull the image, write the log group and read
# exactly the given secrets. The policies are the runtime-*.json files in infra/policies, tested
# with the IAM policy simulator (test/deploy/runtime-module.test.ts).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
# aws, aws-us-gov or aws-cn: every ARN the policies name is in the provider's partition.
data "aws_partition" "current" {}

locals {
  policies   = "${path.module}/../../../policies"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  http           = var.mode == "http"
  create_alb     = local.http && var.alb_listener_arn == null
  create_db      = var.database_url_secret_arn == null
  create_cluster = var.cluster_arn == null
  # A database of your own, and no security group of it given: its port anywhere in the VPC.
  database_in_vpc = !local.create_db && var.database_security_group_id == null
  cluster_arn     = local.create_cluster ? aws_ecs_cluster.jitbot[0].arn : var.cluster_arn
  listener_arn    = local.create_alb ? aws_lb_listener.https[0].arn : var.alb_listener_arn
  alb_sg_id       = local.create_alb ? aws_security_group.alb[0].id : var.alb_security_group_id
  container       = "jitbot"
  log_group_name  = "/ecs/${var.name}"

  # s3://bucket/prefix -> bucket, prefix (without a trailing slash).
  audit_sink = var.audit_sink == null ? null : regex("^s3://([^/]+)/(.*?)/?$", var.audit_sink)

  # The image's repository when it is in ECR: the execution role may pull from that one only.
  ecr = try(regex("^([0-9]{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)", var.image), null)

  # The created database: jitbot's DATABASE_URL names the server (not secret), and node-postgres
  # takes the user and password from PGUSER and PGPASSWORD, read from the secret RDS manages, so
  # the password is never in a URL, in the task definition or in the Terraform state.
  database_url = local.create_db ? format(
    "postgres://%s:%d/jitbot?%s",
    aws_db_instance.jitbot[0].address,
    var.database_port,
    var.database_ca_path == null ? "sslmode=no-verify" : "sslmode=verify-full&sslrootcert=${var.database_ca_path}",
  ) : null
  master_secret_arn = local.create_db ? aws_db_instance.jitbot[0].master_user_secret[0].secret_arn : null

  secrets = merge(
    var.secrets,
    local.create_db ? {
      PGUSER     = "${local.master_secret_arn}:username::"
      PGPASSWORD = "${local.master_secret_arn}:password::"
    } : { DATABASE_URL = var.database_url_secret_arn },
  )
  # The secret itself, without a JSON key: arn:partition:secretsmanager:region:account:secret:name.
  secret_arns = distinct([for arn in values(local.secrets) : join(":", slice(split(":", arn), 0, 7))])

  environment = merge(
    { LOG_LEVEL = "info" },
    var.environment,
    { PORT = tostring(var.container_port) },
    local.create_db ? { DATABASE_URL = local.database_url } : {},
    var.audit_sink == null ? {} : { AUDIT_SINK = var.audit_sink },
  )

  # Placeholders that stand for a list (infra/policies/README.md): a Resource entry that is exactly
  # "${name}" becomes the list's values.
  lists = {
    connector_role_arns = var.connector_role_arns
    secret_arns         = local.secret_arns
  }
  list_entries = { for name, values in local.lists : "$${${name}}" => values }

  templates = {
    task = jsondecode(templatefile("${local.policies}/runtime-task-permissions.json", {
      connector_role_arns = "$${connector_role_arns}"
    }))
    execution = jsondecode(templatefile("${local.policies}/runtime-execution-permissions.json", {
      partition      = local.partition
      region         = local.region
      account_id     = local.account_id
      log_group_name = local.log_group_name
      secret_arns    = "$${secret_arns}"
    }))
  }

  documents = {
    for role, template in local.templates : role => {
      Version = template.Version
      Statement = [
        for statement in template.Statement : merge(statement, {
          Resource = flatten([for entry in flatten([statement.Resource]) : lookup(local.list_entries, entry, [entry])])
        })
      ]
    }
  }
}

# ---- Roles ---------------------------------------------------------------------------------------

# jitbot's own AWS identity: the connector roles' jitbot_principal_arn.
resource "aws_iam_role" "task" {
  name                 = "${var.name}-task"
  description          = "jitbot assumes its connector roles with this role (and writes its audit sink, when set)."
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  # ECS tasks of this account and region only (the confused-deputy guard for services).
  assume_role_policy = jsonencode(jsondecode(templatefile("${local.policies}/runtime-task-trust.json", {
    partition  = local.partition
    region     = local.region
    account_id = local.account_id
  })))
}

resource "aws_iam_role_policy" "task" {
  name   = "jitbot-assume-connector-roles"
  role   = aws_iam_role.task.id
  policy = jsonencode(local.documents.task)
}

# Only with an audit sink: put objects under its prefix, never read, list or delete them.
resource "aws_iam_role_policy" "audit_sink" {
  count = var.audit_sink == null ? 0 : 1

  name = "jitbot-audit-sink"
  role = aws_iam_role.task.id

  policy = jsonencode(jsondecode(templatefile("${local.policies}/runtime-task-audit-sink.json", {
    partition         = local.partition
    audit_sink_bucket = local.audit_sink[0]
    audit_sink_prefix = local.audit_sink[1]
  })))
}

# ECS's own identity for starting a task: pull the image, create log streams, read the secrets.
resource "aws_iam_role" "execution" {
  name                 = "${var.name}-execution"
  description          = "ECS pulls jitbot's image, writes its log and reads its secrets with this role."
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  assume_role_policy = jsonencode(jsondecode(templatefile("${local.policies}/runtime-execution-trust.json", {})))
}

resource "aws_iam_role_policy" "execution" {
  name   = "jitbot-logs-and-secrets"
  role   = aws_iam_role.execution.id
  policy = jsonencode(local.documents.execution)
}

# Only for an image in ECR; another registry's public image needs no permission.
resource "aws_iam_role_policy" "execution_ecr" {
  count = local.ecr == null ? 0 : 1

  name = "jitbot-pull-image"
  role = aws_iam_role.execution.id

  policy = jsonencode(jsondecode(templatefile("${local.policies}/runtime-execution-ecr.json", {
    partition      = local.partition
    ecr_account_id = local.ecr[0]
    ecr_region     = local.ecr[1]
    ecr_repository = local.ecr[2]
  })))
}

# Only with a customer managed key: the AWS managed key needs no grant.
resource "aws_iam_role_policy" "execution_kms" {
  count = var.secrets_kms_key_arn == null ? 0 : 1

  name = "jitbot-decrypt-secrets"
  role = aws_iam_role.execution.id

  policy = jsonencode(jsondecode(templatefile("${local.policies}/runtime-execution-kms.json", {
    secrets_kms_key_arn = var.secrets_kms_key_arn
  })))
}

# ---- Logs and cluster ----------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "jitbot" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_ecs_cluster" "jitbot" {
  count = local.create_cluster ? 1 : 0

  name = var.name
  tags = var.tags
}

# ---- Network -------------------------------------------------------------------------------------

# Terraform removes the default allow-all egress of a new group: only the rules below exist.
resource "aws_security_group" "task" {
  name        = "${var.name}-task"
  description = "jitbot tasks: in from the load balancer on the container port (HTTP mode only), out to HTTPS and PostgreSQL."
  vpc_id      = var.vpc_id
  tags        = var.tags
}

# The only ingress of the tasks, and only in HTTP mode: from the load balancer.
resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  count = local.http ? 1 : 0

  security_group_id            = aws_security_group.task.id
  description                  = "Slack's requests and health checks, through the load balancer only."
  referenced_security_group_id = local.alb_sg_id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
}

# Slack, AWS (STS, Secrets Manager at start) and Okta all answer on 443.
resource "aws_vpc_security_group_egress_rule" "task_https" {
  security_group_id = aws_security_group.task.id
  description       = "Slack, AWS and Okta APIs over HTTPS."
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "task_database" {
  security_group_id            = aws_security_group.task.id
  description                  = "PostgreSQL."
  referenced_security_group_id = local.create_db ? aws_security_group.database[0].id : var.database_security_group_id
  cidr_ipv4                    = local.database_in_vpc ? data.aws_vpc.this[0].cidr_block : null
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
}

# A database of your own with no security group given: anywhere in the VPC.
data "aws_vpc" "this" {
  count = local.database_in_vpc ? 1 : 0

  id = var.vpc_id
}

resource "aws_security_group" "alb" {
  count = local.create_alb ? 1 : 0

  name        = "${var.name}-alb"
  description = "jitbot's load balancer: HTTPS in, the tasks' port out."
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = local.create_alb ? toset(var.alb_ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.alb[0].id
  description       = "HTTPS from Slack."
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  count = local.create_alb ? 1 : 0

  security_group_id            = aws_security_group.alb[0].id
  description                  = "To the jitbot tasks."
  referenced_security_group_id = aws_security_group.task.id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
}

# ---- Load balancer (HTTP mode) -------------------------------------------------------------------

resource "aws_lb" "jitbot" {
  count = local.create_alb ? 1 : 0

  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb[0].id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  tags                       = var.tags

  lifecycle {
    precondition {
      condition     = var.certificate_arn != null && length(var.public_subnet_ids) >= 2
      error_message = "HTTP mode without alb_listener_arn creates a load balancer: set certificate_arn (the ACM certificate of the host Slack calls) and at least two public_subnet_ids."
    }
  }
}

# HTTPS only: there is no port 80 listener. Anything but jitbot's one path is answered here.
resource "aws_lb_listener" "https" {
  count = local.create_alb ? 1 : 0

  load_balancer_arn = aws_lb.jitbot[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn
  tags              = var.tags

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Not found"
      status_code  = "404"
    }
  }
}

resource "aws_lb_target_group" "jitbot" {
  count = local.http ? 1 : 0

  name        = var.name
  vpc_id      = var.vpc_id
  target_type = "ip"
  protocol    = "HTTP"
  port        = var.container_port
  # jitbot answers 503 on /readyz from the moment it stops, and finishes its work within 30 s.
  deregistration_delay = 30
  tags                 = var.tags

  # Ready: the database answers, every migration is applied, and jitbot knows its Slack workspace.
  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

# Slack's one path (commands, interactions and events all arrive here), and only as a POST.
resource "aws_lb_listener_rule" "slack_events" {
  count = local.http ? 1 : 0

  listener_arn = local.listener_arn
  priority     = var.listener_rule_priority
  tags         = var.tags

  condition {
    path_pattern {
      values = ["/slack/events"]
    }
  }

  condition {
    http_request_method {
      values = ["POST"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.jitbot[0].arn
  }

  lifecycle {
    precondition {
      condition     = var.alb_listener_arn == null || var.alb_security_group_id != null
      error_message = "With alb_listener_arn, set alb_security_group_id: the tasks accept traffic from that load balancer's security group only."
    }
  }
}

# ---- Database ------------------------------------------------------------------------------------

resource "aws_security_group" "database" {
  count = local.create_db ? 1 : 0

  name        = "${var.name}-db"
  description = "jitbot's PostgreSQL: in from the jitbot tasks only."
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "database_from_tasks" {
  count = local.create_db ? 1 : 0

  security_group_id            = aws_security_group.database[0].id
  description                  = "PostgreSQL from the jitbot tasks."
  referenced_security_group_id = aws_security_group.task.id
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
}

resource "aws_db_subnet_group" "jitbot" {
  count = local.create_db ? 1 : 0

  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_db_instance" "jitbot" {
  count = local.create_db ? 1 : 0

  identifier                    = var.name
  engine                        = "postgres"
  engine_version                = var.database_engine_version
  instance_class                = var.database_instance_class
  allocated_storage             = var.database_allocated_storage
  max_allocated_storage         = var.database_allocated_storage * 5
  storage_type                  = "gp3"
  storage_encrypted             = true
  kms_key_id                    = var.database_kms_key_arn
  db_name                       = "jitbot"
  username                      = "jitbot"
  port                          = var.database_port
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.secrets_kms_key_arn
  db_subnet_group_name          = aws_db_subnet_group.jitbot[0].name
  vpc_security_group_ids        = [aws_security_group.database[0].id]
  publicly_accessible           = false
  multi_az                      = var.database_multi_az
  deletion_protection           = var.database_deletion_protection
  backup_retention_period       = var.database_backup_retention_days
  copy_tags_to_snapshot         = true
  final_snapshot_identifier     = "${var.name}-final"
  auto_minor_version_upgrade    = true
  tags                          = var.tags
}

# RDS rotates its master password every 7 days unless told otherwise, and a running task keeps
# the password it started with: a rarer rotation, each followed by a new deployment (README).
resource "aws_secretsmanager_secret_rotation" "database" {
  count = local.create_db ? 1 : 0

  secret_id = aws_db_instance.jitbot[0].master_user_secret[0].secret_arn

  rotation_rules {
    automatically_after_days = var.database_password_rotation_days
  }
}

# ---- Task and service ----------------------------------------------------------------------------

resource "aws_ecs_task_definition" "jitbot" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = aws_iam_role.execution.arn
  tags                     = var.tags

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    {
      name      = local.container
      image     = var.image
      essential = true
      # The image's "node" user (Dockerfile: USER 1000:1000). With a database server jitbot writes
      # nothing to disk, so the root filesystem is read-only.
      user                   = "1000:1000"
      readonlyRootFilesystem = true
      # jitbot finishes the jobs in hand after SIGTERM; Fargate allows at most 120 s.
      stopTimeout  = 60
      portMappings = local.http ? [{ containerPort = var.container_port, protocol = "tcp" }] : []
      environment  = [for name in sort(keys(local.environment)) : { name = name, value = local.environment[name] }]
      secrets      = [for name in sort(keys(local.secrets)) : { name = name, valueFrom = local.secrets[name] }]
      # HTTP mode: the load balancer checks /readyz and ECS replaces a task that fails it. Socket
      # Mode has no load balancer, so ECS itself asks /healthz (the process answers), as the
      # Dockerfile's HEALTHCHECK does; ECS does not read that one.
      healthCheck = local.http ? null : {
        command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:${var.container_port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.jitbot.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "jitbot"
        }
      }
    },
  ])

  lifecycle {
    precondition {
      condition     = local.http ? !contains(keys(var.secrets), "SLACK_APP_TOKEN") : contains(keys(var.secrets), "SLACK_APP_TOKEN")
      error_message = "SLACK_APP_TOKEN in secrets is what makes jitbot use Socket Mode: set it with mode = \"socket\", and leave it out with mode = \"http\"."
    }
    precondition {
      condition     = length(setintersection(keys(var.secrets), keys(var.environment))) == 0
      error_message = "A variable is in both secrets and environment: keep each in one place."
    }
  }
}

resource "aws_ecs_service" "jitbot" {
  name             = var.name
  cluster          = local.cluster_arn
  task_definition  = aws_ecs_task_definition.jitbot.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  propagate_tags   = "SERVICE"
  tags             = var.tags

  # A new task is ready before an old one stops, and a deployment whose tasks never get ready
  # goes back to the last one that did.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # Time to migrate and learn the Slack workspace before the load balancer's verdict counts.
  health_check_grace_period_seconds = local.http ? 60 : null

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = local.http ? [1] : []

    content {
      target_group_arn = aws_lb_target_group.jitbot[0].arn
      container_name   = local.container
      container_port   = var.container_port
    }
  }

  # The target group must be on a listener before a service can use it.
  depends_on = [aws_lb_listener_rule.slack_events]
}
