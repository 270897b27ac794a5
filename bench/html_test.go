package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The HTML report of a two-target comparison is one self-contained page
// with the throughput, p99 and percentile charts drawn as inline SVG.
func TestHTMLReport(t *testing.T) {
	f1, f2 := startFakeRedis(t), startFakeRedis(t)
	path := filepath.Join(t.TempDir(), "report.html")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--target", "resp://" + f1.addr(), "--target", "resp://" + f2.addr(),
		"--workload", "a", "--records", "100", "--ops", "300", "--rounds", "2", "--connections", "2", "--warmup", "0s",
		"--report", path}, func(string) string { return "" }, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"== ratios to resp://", "rounds (ops/s):", "report written to"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{"<!DOCTYPE html>", "Throughput over time", "p99 latency over time", "Latency by percentile",
		"Ratios to resp://", "<td>GET</td>", "<td>SET</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(html, "<svg"); n != 3 {
		t.Errorf("%d charts, want 3", n)
	}
	// Every series is drawn with points (two targets x two ops, three charts).
	if n := len(regexp.MustCompile(`<polyline[^>]*points="[0-9]`).FindAllString(html, -1)); n < 12 {
		t.Errorf("%d drawn series, want 12", n)
	}
	// Self-contained: nothing loaded from elsewhere.
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("report refers to an external asset: %q", bad)
		}
	}
}

func TestLineChartNoData(t *testing.T) {
	svg := string(lineChart(chartSpec{title: "t", xLabelFn: fmtRate, yLabelFn: fmtRate}, nil))
	if !strings.Contains(svg, "no data") {
		t.Error("empty chart should say so")
	}
}
