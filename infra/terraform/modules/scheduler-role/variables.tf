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
