output "task_role_arn" {
  description = "jitbot's own role: the connector-role (and identity-center-connector) modules' jitbot_principal_arn."
  value       = aws_iam_role.task.arn
}

output "task_role_name" {
  description = "The task role's name."
  value       = aws_iam_role.task.name
}

output "execution_role_arn" {
  description = "The role ECS starts the tasks with (image, log, secrets)."
  value       = aws_iam_role.execution.arn
}

output "cluster_arn" {
  description = "The cluster the service runs in."
  value       = local.cluster_arn
}

output "service_name" {
  description = "The ECS service (aws ecs update-service --cluster CLUSTER --service NAME --force-new-deployment)."
  value       = aws_ecs_service.jitbot.name
}

output "security_group_id" {
  description = "The tasks' security group: allow it on the database's port when you bring your own database."
  value       = aws_security_group.task.id
}

output "log_group_name" {
  description = "The CloudWatch log group of jitbot's log."
  value       = aws_cloudwatch_log_group.jitbot.name
}

output "alb_dns_name" {
  description = "HTTP mode with a new load balancer: the name to point the certificate's host at (a CNAME or alias record); Slack's request URL is https://THAT-HOST/slack/events. Null otherwise."
  value       = local.create_alb ? aws_lb.jitbot[0].dns_name : null
}

output "alb_zone_id" {
  description = "HTTP mode with a new load balancer: its hosted zone, for a Route 53 alias record. Null otherwise."
  value       = local.create_alb ? aws_lb.jitbot[0].zone_id : null
}

output "target_group_arn" {
  description = "HTTP mode: the target group the tasks register in. Null in Socket Mode."
  value       = local.http ? aws_lb_target_group.jitbot[0].arn : null
}

output "database_endpoint" {
  description = "The created database's host:port, or null with database_url_secret_arn."
  value       = local.create_db ? aws_db_instance.jitbot[0].endpoint : null
}

output "database_master_secret_arn" {
  description = "The secret RDS keeps the created database's master user and password in, or null with database_url_secret_arn."
  value       = local.master_secret_arn
}
