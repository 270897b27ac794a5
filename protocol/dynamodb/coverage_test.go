package dynamodb

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestAPICoverage keeps the README's "DynamoDB API coverage" table honest:
// every operation of the SDK modules (one api_op_<Name>.go file each) has a
// row, every row names an operation of the SDK, and a row says
// "implemented" exactly when the server knows the operation. It skips
// when the module cache does not hold the SDK's sources.
func TestAPICoverage(t *testing.T) {
	rows := readCoverageTable(t)
	sdk := map[string]bool{}
	for _, mod := range []string{"service/dynamodb", "service/dynamodbstreams"} {
		dir := sdkModuleDir(t, "github.com/aws/aws-sdk-go-v2/"+mod)
		files, _ := filepath.Glob(filepath.Join(dir, "api_op_*.go"))
		if len(files) == 0 {
			t.Skipf("no api_op files in %s", dir)
		}
		for _, f := range files {
			sdk[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "api_op_"), ".go")] = true
		}
	}
	var missing []string
	for op := range sdk {
		if _, ok := rows[op]; !ok {
			missing = append(missing, op)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations of the SDK without a row in the README's coverage table: %v", missing)
	}
	for op, status := range rows {
		if !sdk[op] {
			t.Errorf("the coverage table names %s, which the SDK does not have", op)
		}
		_, known := operations[op]
		if _, ok := streamOperations[op]; ok {
			known = true
		}
		if implemented := strings.HasPrefix(status, "implemented"); implemented != known {
			t.Errorf("%s: the table says %q, the server knows it: %v", op, status, known)
		}
	}
	for op := range operations {
		if _, ok := rows[op]; !ok {
			t.Errorf("the server's operation %s has no row", op)
		}
	}
}

// readCoverageTable returns the rows of the README's coverage table,
// operation to status.
func readCoverageTable(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### DynamoDB API coverage\n")
	if !ok {
		t.Fatal("README.md has no DynamoDB API coverage section")
	}
	rows := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "#") {
			break
		}
		cells := strings.Split(line, "|")
		if len(cells) != 4 || !strings.HasPrefix(line, "| ") {
			continue
		}
		op, status := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		if op == "Operation" || strings.HasPrefix(op, "---") {
			continue
		}
		if _, dup := rows[op]; dup {
			t.Errorf("two rows for %s", op)
		}
		rows[op] = status
	}
	if len(rows) == 0 {
		t.Fatal("the coverage table has no rows")
	}
	return rows
}

// sdkModuleDir returns the module cache directory of module at the version
// go.mod requires, or skips.
func sdkModuleDir(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("module %s not in the module cache: %v", module, err)
	}
	return dir
}
