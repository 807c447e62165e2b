variable "jitbot_principal_arn" {
  description = "The IAM role jitbot runs as (its task, pod or instance role), e.g. arn:aws:iam::999999999999:role/jitbot. Only it may assume the connector role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", var.jitbot_principal_arn))
    error_message = "jitbot_principal_arn must be an IAM role ARN, like arn:aws:iam::999999999999:role/jitbot."
  }
}

variable "external_id" {
  description = "The secret external ID jitbot sends with AssumeRole for this account (the catalog's externalId). Use a different random value per account."
  type        = string
  sensitive   = true

  validation {
    # The same rule as STS; it also keeps the value safe to place inside the JSON policy.
    # (RE2 caps repeat counts at 1000, so the length is checked apart.)
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[\\w+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 2-1224 letters, digits or +=,.@:/_- characters."
  }
}

variable "scheduler_role_arn" {
  description = "ARN of the scheduler role (the scheduler-role module's arn output), which jitbot passes to EventBridge Scheduler."
  type        = string
}

variable "name" {
  description = "Name of the role. The catalog's connectorRoleArn points at it."
  type        = string
  default     = "jitbot-connector"
}

variable "path" {
  description = "IAM path of the role."
  type        = string
  default     = "/"
}

variable "region" {
  description = "Region jitbot calls EventBridge Scheduler in (the catalog's region for this account). Default: the provider's region."
  type        = string
  default     = null
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the role, if your organisation requires one."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the role and the schedule group."
  type        = map(string)
  default     = {}
}
