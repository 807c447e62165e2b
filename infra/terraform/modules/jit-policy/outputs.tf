output "name" {
  description = "The policy's name."
  value       = aws_iam_policy.this.name
}

output "arn" {
  description = "The policy's ARN (arn:PARTITION:iam::ACCOUNT:policy/jit/NAME): the catalog target's policyArn."
  value       = aws_iam_policy.this.arn
}

output "path" {
  description = "The policy's path, always /jit/."
  value       = aws_iam_policy.this.path
}
