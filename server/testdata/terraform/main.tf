# The configuration TestTerraform applies in stages against dynacache:
#   stage 1: create everything;
#   stage 2: change tags, add a second GSI, raise a capacity, turn deletion
#            protection on;
#   stage 3: remove that GSI, turn point-in-time recovery and deletion
#            protection off.
# with_imported adds a table made outside Terraform (by the test, with the
# SDK) for `terraform import`.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  type = string
}

variable "stage" {
  type = number
}

variable "with_imported" {
  type    = bool
  default = false
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "local"
  secret_key                  = "local"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  endpoints {
    dynamodb = var.endpoint
  }
}

locals {
  second_gsi = var.stage == 2
  tags = var.stage == 1 ? {
    env  = "test"
    team = "storage"
    } : {
    env   = "staging"
    owner = "tf-e2e"
  }
}

resource "aws_dynamodb_table" "orders" {
  name         = "tf-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "status"
    type = "S"
  }
  attribute {
    name = "amount"
    type = "N"
  }
  dynamic "attribute" {
    for_each = local.second_gsi ? ["customer"] : []
    content {
      name = attribute.value
      type = "S"
    }
  }

  global_secondary_index {
    name            = "by-status"
    hash_key        = "status"
    range_key       = "sk"
    projection_type = "ALL"
  }
  dynamic "global_secondary_index" {
    for_each = local.second_gsi ? ["by-customer"] : []
    content {
      name               = global_secondary_index.value
      hash_key           = "customer"
      projection_type    = "INCLUDE"
      non_key_attributes = ["status"]
    }
  }

  local_secondary_index {
    name            = "by-amount"
    range_key       = "amount"
    projection_type = "KEYS_ONLY"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.stage < 3
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  deletion_protection_enabled = var.stage == 2

  tags = local.tags
}

resource "aws_dynamodb_table" "counters" {
  name           = "tf-counters"
  billing_mode   = "PROVISIONED"
  hash_key       = "id"
  read_capacity  = var.stage == 1 ? 5 : 10
  write_capacity = 5

  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table_item" "first_order" {
  table_name = aws_dynamodb_table.orders.name
  hash_key   = aws_dynamodb_table.orders.hash_key
  range_key  = aws_dynamodb_table.orders.range_key
  item = jsonencode({
    pk     = { S = "customer#1" }
    sk     = { S = "order#1" }
    status = { S = "open" }
    amount = { N = "42" }
  })
}

resource "aws_dynamodb_table" "imported" {
  count          = var.with_imported ? 1 : 0
  name           = "tf-imported"
  billing_mode   = "PROVISIONED"
  hash_key       = "id"
  read_capacity  = 2
  write_capacity = 3

  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = "kind"
    type = "S"
  }

  global_secondary_index {
    name            = "by-kind"
    hash_key        = "kind"
    projection_type = "KEYS_ONLY"
    read_capacity   = 1
    write_capacity  = 1
  }

  tags = {
    made-by = "sdk"
  }
}
