variable "name" {
  description = "Name of the policy. It is created under the /jit/ path."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,128}$", var.name))
    error_message = "name must be 1-128 letters, digits or +=,.@_- characters (no path: the module puts it under /jit/)."
  }
}

variable "policy_json" {
  description = "The policy document (JSON) the policy grants, e.g. from jsonencode() or aws_iam_policy_document."
  type        = string
}

variable "description" {
  description = "Description of the policy. IAM cannot change it in place: a new value replaces the policy."
  type        = string
  default     = "Granted for a limited time through jitbot."
}

variable "tags" {
  description = "Tags for the policy."
  type        = map(string)
  default     = {}
}
