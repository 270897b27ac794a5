package dynamodb

import (
	"slices"
	"testing"
)

// TestJavaSetOrder: the orders DynamoDB gave in its messages ("keys used"
// of its ValidationExceptions, quoted in public reports).
func TestJavaSetOrder(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"pk", "sk", "a"}, []string{"a", "sk", "pk"}},
		{[]string{"my-hash", "my-string"}, []string{"my-hash", "my-string"}},
		{[]string{"ProductId", "CreatedTime", "ProductName"}, []string{"CreatedTime", "ProductName", "ProductId"}},
		{[]string{"id", "kind"}, []string{"kind", "id"}},
		{nil, []string{}},
	} {
		if got := javaSetOrder(c.in); !slices.Equal(got, c.want) {
			t.Errorf("javaSetOrder(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
