output "arn" {
  description = "The role's ARN: the catalog's connectorRoleArn."
  value       = aws_iam_role.connector.arn
}

output "name" {
  description = "The role's name."
  value       = aws_iam_role.connector.name
}

output "schedule_group_name" {
  description = "The schedule group jitbot creates its backstop schedules in."
  value       = aws_scheduler_schedule_group.jitbot.name
}

output "catalog_account" {
  description = "The values of this account's entry in the jitbot catalog (add id, externalId and userMapping)."
  value = {
    accountId        = local.account_id
    region           = local.region
    connectorRoleArn = aws_iam_role.connector.arn
    schedulerRoleArn = var.scheduler_role_arn
  }
}
