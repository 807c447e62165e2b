variable "name" {
  description = "Name of the group: the catalog target's group. It is created under the /jit/ path."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,128}$", var.name))
    error_message = "name must be 1-128 letters, digits or +=,.@_- characters (no path: the module puts it under /jit/)."
  }
}

variable "managed_policy_arns" {
  description = "Managed policies the group grants, e.g. [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]."
  type        = list(string)
  default     = []
}

variable "inline_policy_json" {
  description = "An inline policy document (JSON) the group grants, e.g. from jsonencode() or aws_iam_policy_document."
  type        = string
  default     = null
}

variable "inline_policy_name" {
  description = "Name of the inline policy."
  type        = string
  default     = "jit-access"
}
