variable "name" {
  description = "Name of the service, and prefix of everything the module creates (cluster, roles, load balancer, database)."
  type        = string
  default     = "jitbot"

  validation {
    # The load balancer and target group names allow 32 characters; "-task"/"-db" suffixes are added.
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}[a-z0-9]$", var.name))
    error_message = "name must be 2-25 lower-case letters, digits or dashes, starting with a letter (it names the load balancer, which allows 32 characters)."
  }
}

variable "image" {
  description = "The jitbot image with your catalog baked in (see the README), by digest (repo@sha256:...) or by a fixed tag (repo:1.4.2). Never :latest: every task of a deployment must run the same reviewed catalog and code."
  type        = string

  validation {
    # A digest, or a tag after the last path segment that is not "latest". A bare name (no tag) means latest.
    condition     = can(regex("^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)+((:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", var.image)) && !can(regex(":latest$", var.image))
    error_message = "image must name a digest (registry/repo@sha256:...) or a fixed tag (registry/repo:1.4.2), not :latest and not a bare name: build the image with your catalog and push it under a version."
  }
}

variable "cpu_architecture" {
  description = "The image's CPU architecture: X86_64 or ARM64."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "vpc_id" {
  description = "The VPC the tasks, the load balancer and the database run in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (at least two, in different zones) for the tasks and the database. The tasks get no public IP: the subnets need a NAT gateway (or VPC endpoints) to reach Slack, AWS and Okta over HTTPS."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two private subnets, in different availability zones."
  }
}

variable "mode" {
  description = "http: Slack calls https://YOUR-HOST/slack/events through a load balancer (slack/manifest.yaml). socket: jitbot opens a WebSocket to Slack and takes no inbound traffic at all (slack/manifest.socket-mode.yaml; needs SLACK_APP_TOKEN)."
  type        = string
  default     = "http"

  validation {
    condition     = contains(["http", "socket"], var.mode)
    error_message = "mode must be \"http\" or \"socket\"."
  }
}

variable "public_subnet_ids" {
  description = "HTTP mode, new load balancer: the public subnets (at least two) it is placed in."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "HTTP mode, new load balancer: the ACM certificate of the host name Slack calls."
  type        = string
  default     = null
}

variable "alb_ingress_cidr_blocks" {
  description = "HTTP mode, new load balancer: who may reach port 443. Slack calls from addresses it does not publish, so the default is everyone; every request is still checked against the signing secret."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "alb_listener_arn" {
  description = "HTTP mode: an HTTPS listener of an existing load balancer to add the /slack/events rule to, instead of creating a load balancer. Set alb_security_group_id too."
  type        = string
  default     = null
}

variable "alb_security_group_id" {
  description = "HTTP mode with alb_listener_arn: the existing load balancer's security group, the only source the tasks accept traffic from."
  type        = string
  default     = null
}

variable "listener_rule_priority" {
  description = "Priority of the /slack/events rule on the listener (matters on a shared listener)."
  type        = number
  default     = 100
}

variable "ssl_policy" {
  description = "TLS policy of the new load balancer's HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = can(regex("^ELBSecurityPolicy-TLS13-", var.ssl_policy))
    error_message = "ssl_policy must be one of the TLS 1.3 policies (ELBSecurityPolicy-TLS13-...), which refuse TLS 1.0 and 1.1."
  }
}

variable "container_port" {
  description = "The port jitbot listens on (PORT): Slack's requests in HTTP mode, /healthz and /readyz in both."
  type        = number
  default     = 3000
}

variable "desired_count" {
  description = "How many tasks run. Two or more: a deployment or a lost zone leaves one answering Slack, and the database coordinates them."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 1
    error_message = "desired_count must be at least 1 (2 or more in production)."
  }
}

variable "cpu" {
  description = "Fargate CPU units per task."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Fargate memory per task, in MiB."
  type        = number
  default     = 1024
}

variable "cluster_arn" {
  description = "An existing ECS cluster to run in. Default: the module creates one."
  type        = string
  default     = null
}

variable "connector_role_arns" {
  description = "The connector roles of every account in the catalog (the catalog's connectorRoleArn values). The task role may assume these and nothing else."
  type        = list(string)

  validation {
    condition     = length(var.connector_role_arns) > 0 && alltrue([for arn in var.connector_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", arn))])
    error_message = "connector_role_arns must list at least one IAM role ARN, like arn:aws:iam::111111111111:role/jitbot-connector (no wildcards)."
  }
}

variable "audit_sink" {
  description = "Optional. AUDIT_SINK: s3://bucket/prefix where jitbot writes its audit log as JSON Lines objects. The task role may then put objects under that prefix, and nothing else in S3."
  type        = string
  default     = null

  validation {
    condition     = var.audit_sink == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9!_.*'()/-]*[A-Za-z0-9!_.*'()-]/?$", var.audit_sink))
    error_message = "audit_sink must be s3://bucket/prefix (a prefix is required, so the role can write under it only), like s3://acme-audit/jitbot."
  }
}

variable "secrets" {
  description = "Environment variable name -> Secrets Manager secret ARN, injected when a task starts. A key of a JSON secret is ARN:KEY:: (arn:aws:secretsmanager:...:secret:jitbot-slack-AbCdEf:SLACK_BOT_TOKEN::). Required: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN; SLACK_APP_TOKEN in socket mode only; and every $${NAME} the catalog uses (JITBOT_EXTERNAL_ID_*, OKTA_API_TOKEN). Give full ARNs (ending in the 6-character suffix): the execution role may read exactly these secrets."
  type        = map(string)

  validation {
    condition     = contains(keys(var.secrets), "SLACK_SIGNING_SECRET") && contains(keys(var.secrets), "SLACK_BOT_TOKEN")
    error_message = "secrets must have SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (the secret ARNs that hold them)."
  }

  validation {
    condition     = alltrue([for name, arn in var.secrets : can(regex("^[A-Z_][A-Z0-9_]*$", name)) && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:]*:[^:]*:[^:]*)?$", arn))])
    error_message = "secrets must map environment variable names (A-Z, 0-9, _) to Secrets Manager secret ARNs, optionally with :JSON_KEY:: at the end."
  }

  validation {
    # The module sets these itself, from the database variables.
    condition     = length(setintersection(keys(var.secrets), ["DATABASE_URL", "PGUSER", "PGPASSWORD"])) == 0
    error_message = "secrets must not set DATABASE_URL, PGUSER or PGPASSWORD: use database_url_secret_arn, or let the module create the database."
  }
}

variable "secrets_kms_key_arn" {
  description = "Optional. The customer managed KMS key the secrets (and the database's master password secret) are encrypted with; the execution role may decrypt with it through Secrets Manager only. Leave null for the AWS managed key."
  type        = string
  default     = null
}

variable "environment" {
  description = "Plain (not secret) environment variables, e.g. LOG_LEVEL, METRICS_PORT, METRICS_HOST, SLACK_API_URL, JITBOT_CATALOG. The module sets PORT, DATABASE_URL (with a created database) and AUDIT_SINK itself."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.environment), ["PORT", "DATABASE_URL", "AUDIT_SINK", "PGUSER", "PGPASSWORD", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "OKTA_API_TOKEN"])) == 0 && alltrue([for name in keys(var.environment) : !can(regex("^JITBOT_EXTERNAL_ID_", name))])
    error_message = "environment must not set PORT, DATABASE_URL or AUDIT_SINK (use container_port, the database variables, audit_sink), nor a secret such as SLACK_* tokens, OKTA_API_TOKEN or JITBOT_EXTERNAL_ID_* (use secrets)."
  }
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps jitbot's log."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "Optional. A KMS key to encrypt the log group with; its key policy must let CloudWatch Logs use it."
  type        = string
  default     = null
}

variable "database_url_secret_arn" {
  description = "Optional. A Secrets Manager secret whose value is the whole DATABASE_URL (postgres://user:password@host:5432/jitbot?sslmode=verify-full...) of a PostgreSQL you run. When set, the module creates no database."
  type        = string
  default     = null

  validation {
    condition     = var.database_url_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:]*:[^:]*:[^:]*)?$", var.database_url_secret_arn))
    error_message = "database_url_secret_arn must be a Secrets Manager secret ARN (optionally ARN:KEY:: for a key of a JSON secret)."
  }
}

variable "database_security_group_id" {
  description = "With database_url_secret_arn: the database's security group, the only place the tasks may reach on database_port (allow the module's security_group_id in it). Default: anywhere in the VPC."
  type        = string
  default     = null
}

variable "database_port" {
  description = "The PostgreSQL port."
  type        = number
  default     = 5432
}

variable "database_engine_version" {
  description = "PostgreSQL major (or major.minor) version of the created database; 16 or later."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.database_engine_version)) && tonumber(split(".", var.database_engine_version)[0]) >= 16
    error_message = "database_engine_version must be 16 or later, like \"16\" or \"17.2\"."
  }
}

variable "database_instance_class" {
  description = "Instance class of the created database."
  type        = string
  default     = "db.t4g.small"
}

variable "database_allocated_storage" {
  description = "Storage of the created database, in GiB; it grows on its own up to 5 times this."
  type        = number
  default     = 20
}

variable "database_multi_az" {
  description = "Run the created database with a standby in another zone (recommended: the database is what revokes access on time)."
  type        = bool
  default     = true
}

variable "database_deletion_protection" {
  description = "Refuse to delete the created database (it holds the audit log). Set false only for a trial you will destroy."
  type        = bool
  default     = true
}

variable "database_backup_retention_days" {
  description = "Days of automated backups of the created database."
  type        = number
  default     = 14
}

variable "database_kms_key_arn" {
  description = "Optional. A KMS key to encrypt the created database's storage with; default: the AWS managed key. The storage is encrypted either way."
  type        = string
  default     = null
}

variable "database_password_rotation_days" {
  description = "How often Secrets Manager rotates the created database's master password. A running task keeps the password it started with, so each rotation needs a new deployment (see the README)."
  type        = number
  default     = 365

  validation {
    condition     = var.database_password_rotation_days >= 1 && var.database_password_rotation_days <= 1000
    error_message = "database_password_rotation_days must be between 1 and 1000."
  }
}

variable "database_ca_path" {
  description = "With the created database: where the image holds the RDS certificate bundle (see the README), so jitbot verifies the server (sslmode=verify-full). Null: encrypted but not verified (sslmode=no-verify)."
  type        = string
  default     = "/app/rds-ca.pem"
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the task and execution roles, if your organisation requires one."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for everything the module creates."
  type        = map(string)
  default     = {}
}
