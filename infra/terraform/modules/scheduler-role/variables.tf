variable "name" {
  description = "Name of the role. The catalog's schedulerRoleArn points at it."
  type        = string
  default     = "jitbot-scheduler"
}

variable "path" {
  description = "IAM path of the role."
  type        = string
  default     = "/"
}

variable "region" {
  description = "Region of the jitbot schedule group (the catalog's region for this account). Default: the provider's region."
  type        = string
  default     = null
}

variable "dead_letter_arn" {
  description = "Optional. ARN of a standard SQS queue for backstop runs that failed (the catalog's deadLetterArn for this account); the role may then send messages to it, and only to it."
  type        = string
  default     = null

  validation {
    condition     = var.dead_letter_arn == null || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", var.dead_letter_arn))
    error_message = "dead_letter_arn must be the ARN of a standard SQS queue (not FIFO), like arn:aws:sqs:us-east-1:123456789012:jitbot-backstop-dlq."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the role, if your organisation requires one."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
