output "connector_role_arn" {
  description = "The connector role: the catalog's connectorRoleArn for the Identity Center account."
  value       = aws_iam_role.connector.arn
}

output "connector_role_name" {
  description = "The connector role's name."
  value       = aws_iam_role.connector.name
}

output "scheduler_role_arn" {
  description = "The scheduler role: the catalog's schedulerRoleArn for the Identity Center account."
  value       = aws_iam_role.scheduler.arn
}

output "scheduler_role_name" {
  description = "The scheduler role's name."
  value       = aws_iam_role.scheduler.name
}

output "schedule_group_name" {
  description = "The schedule group jitbot creates its backstop schedules in (created here unless create_schedule_group is false)."
  value       = "jitbot"
}

output "catalog_account" {
  description = "The values of the Identity Center account's entry in the jitbot catalog (add id, externalId and userMapping)."
  # deadLetterArn only when a queue was given.
  value = merge(
    {
      accountId        = local.account_id
      region           = local.region
      connectorRoleArn = aws_iam_role.connector.arn
      schedulerRoleArn = aws_iam_role.scheduler.arn
    },
    { for key, value in { deadLetterArn = var.dead_letter_arn } : key => value if value != null },
  )
}

output "catalog_identity_center" {
  description = "The catalog's identityCenter values (add account: the id of the accounts entry above)."
  value = {
    instanceArn     = var.instance_arn
    identityStoreId = var.identity_store_id
    region          = local.region
  }
}
