package dynamodb

import "github.com/dynacache/dynacache/shard/attr"

// AppendItemJSON appends item in DynamoDB's JSON form, as the API returns
// items ({"name":{"S":"..."},...}), for tools such as dynacache dump.
func AppendItemJSON(dst []byte, item attr.Item) []byte { return appendItem(dst, item) }
