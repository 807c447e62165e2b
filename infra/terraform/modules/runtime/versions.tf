terraform {
  required_version = ">= 1.3"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.40: aws_vpc_security_group_*_rule, and a rotation schedule for an RDS-managed secret.
      version = ">= 5.40, < 7.0"
    }
  }
}
