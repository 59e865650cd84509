//go:build promoc_pprof

package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// Built only with -tags promoc_pprof, never in a release: the load
// generator of bench/ (bench/cmd/loadgen -cpuprofile) builds promoc so, to
// profile promoc serve under load. When PROMOC_PPROF_ADDR is set to a
// loopback HOST:PORT, the process serves Go's profiles (net/http/pprof) at
// /debug/pprof/ there.
func init() {
	addr := os.Getenv("PROMOC_PPROF_ADDR")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "promoc: PROMOC_PPROF_ADDR %q: expected a loopback HOST:PORT such as 127.0.0.1:6060\n", addr)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "promoc: PROMOC_PPROF_ADDR: %v\n", err)
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go http.Serve(ln, mux)
}
