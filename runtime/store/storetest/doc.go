// Package storetest is the conformance suite every [store.Store] passes:
// [Run] exercises one driver case by case, each case on a new database;
// [Race] makes goroutines race one budget, [RaceProcesses] separate
// processes, and [Crash] kills a writer with SIGKILL at random points and
// restarts it until it is done, then checks that nothing was lost or done
// twice. The processes are the test binary itself, started again: a
// driver's TestMain calls [Child] first.
package storetest
