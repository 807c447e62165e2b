output "name" {
  description = "The group's name: the catalog target's group."
  value       = aws_iam_group.this.name
}

output "arn" {
  description = "The group's ARN (arn:PARTITION:iam::ACCOUNT:group/jit/NAME)."
  value       = aws_iam_group.this.arn
}

output "path" {
  description = "The group's path, always /jit/."
  value       = aws_iam_group.this.path
}
