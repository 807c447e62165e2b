variable "jitbot_principal_arn" {
  description = "The IAM role jitbot runs as (its task, pod or instance role), e.g. arn:aws:iam::999999999999:role/jitbot. Only it may assume the connector role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", var.jitbot_principal_arn))
    error_message = "jitbot_principal_arn must be an IAM role ARN, like arn:aws:iam::999999999999:role/jitbot."
  }
}

variable "external_id" {
  description = "The secret external ID jitbot sends with AssumeRole for the Identity Center account (the catalog's externalId for that accounts entry)."
  type        = string
  sensitive   = true

  validation {
    # The same rule as STS; it also keeps the value safe to place inside the JSON policy.
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[\\w+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 2-1224 letters, digits or +=,.@:/_- characters."
  }
}

variable "instance_arn" {
  description = "The IAM Identity Center instance (the catalog's identityCenter.instanceArn), e.g. arn:aws:sso:::instance/ssoins-1234567890abcdef. Its partition must be the provider's."
  type        = string

  validation {
    # AWS's own pattern for an instance ARN (not only ssoins- and hex digits).
    condition     = can(regex("^arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9.-]{16}$", var.instance_arn))
    error_message = "instance_arn must be an Identity Center instance ARN, like arn:aws:sso:::instance/ssoins-1234567890abcdef."
  }
}

variable "identity_store_id" {
  description = "The instance's identity store (the catalog's identityCenter.identityStoreId), e.g. d-1234567890."
  type        = string

  validation {
    condition     = can(regex("^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.identity_store_id))
    error_message = "identity_store_id must look like d-1234567890 (or a UUID)."
  }
}

variable "management_account_id" {
  description = "The organization's management account. jitbot never assigns permission sets in it: the connector role is explicitly denied sso:CreateAccountAssignment there (see the README)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.management_account_id))
    error_message = "management_account_id must be a 12-digit account id."
  }
}

variable "allowed_group_ids" {
  description = "Identity Store group ids whose membership jitbot may change: the groupId of every aws-sso-group target. Identity Store has no tags to scope by, so every other group is out of reach."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.allowed_group_ids : can(regex("^([0-9a-f]{10}-)?[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$", id))])
    error_message = "allowed_group_ids must be Identity Store group ids (a UUID, optionally after 10 hex digits and a dash)."
  }
}

variable "permission_set_arns" {
  description = "Leave empty (the default) to let jitbot assign every permission set of the instance tagged jitbot = allowed. Or list the permission sets jitbot may assign: then the tag is not used, and only these ARNs are allowed."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.permission_set_arns : can(regex("^arn:aws[a-z-]*:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9.-]{16}/ps-[a-zA-Z0-9./-]{16}$", arn))])
    error_message = "permission_set_arns must be permission set ARNs, like arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef."
  }
}

variable "region" {
  description = "Identity Center's home region, where jitbot creates its backstop schedules (the catalog's identityCenter.region, or the account's region). Default: the provider's region."
  type        = string
  default     = null
}

variable "dead_letter_arn" {
  description = "Optional. ARN of a standard SQS queue for backstop runs that failed (the catalog's deadLetterArn for the Identity Center account); the scheduler role may then send messages to it, and only to it."
  type        = string
  default     = null

  validation {
    condition     = var.dead_letter_arn == null || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", var.dead_letter_arn))
    error_message = "dead_letter_arn must be the ARN of a standard SQS queue (not FIFO), like arn:aws:sqs:us-east-1:123456789012:jitbot-backstop-dlq."
  }
}

variable "create_schedule_group" {
  description = "Create the jitbot schedule group. Set false when the connector-role module already created it in this account and region."
  type        = bool
  default     = true
}

variable "connector_role_name" {
  description = "Name of the connector role: the catalog's connectorRoleArn for the Identity Center account points at it."
  type        = string
  default     = "jitbot-identity-center-connector"
}

variable "scheduler_role_name" {
  description = "Name of the scheduler role: the catalog's schedulerRoleArn for the Identity Center account points at it."
  type        = string
  default     = "jitbot-identity-center-scheduler"
}

variable "path" {
  description = "IAM path of both roles."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for both roles, if your organisation requires one."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the roles and the schedule group."
  type        = map(string)
  default     = {}
}
