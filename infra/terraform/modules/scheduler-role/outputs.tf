output "arn" {
  description = "The role's ARN: the catalog's schedulerRoleArn, and the connector-role module's scheduler_role_arn."
  value       = aws_iam_role.scheduler.arn
}

output "name" {
  description = "The role's name."
  value       = aws_iam_role.scheduler.name
}

output "dead_letter_arn" {
  description = "The dead-letter queue the role may send to (the catalog's deadLetterArn), or null."
  value       = var.dead_letter_arn
}
