// Package testslurm starts a real single-node Slurm cluster for tests:
// Debian's munged, slurmctld and slurmd, run as root from a temporary
// folder with their own key, configuration, ports and state, stopped when
// the test ends. Jobs run on this machine as root.
package testslurm

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Start starts the cluster and points the Slurm commands at it (SLURM_CONF
// for the rest of the test). It skips when Slurm or munge is not installed
// or the test is not root, unless TESSERA_REQUIRE_SLURM is set (CI), where
// it fails.
func Start(t testing.TB) {
	t.Helper()
	skip := func(why string) {
		if os.Getenv("TESSERA_REQUIRE_SLURM") != "" {
			t.Fatalf("%s (TESSERA_REQUIRE_SLURM is set)", why)
		}
		t.Skip(why + ": skipping the Slurm test (scripts/setup.sh installs slurmctld, slurmd and munge)")
	}
	for _, b := range []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"} {
		if _, err := exec.LookPath(b); err != nil {
			if _, err2 := os.Stat("/usr/sbin/" + b); err2 != nil {
				skip(b + " not installed")
			}
		}
	}
	if os.Geteuid() != 0 {
		skip("a test cluster's daemons run as root")
	}
	dir, err := os.MkdirTemp("", "slurm-")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"state", "spool", "log", "munge", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 1024)
	f, err := os.Open("/dev/urandom")
	if err != nil {
		t.Fatal(err)
	}
	f.Read(key)
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "munge", "munge.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	host = strings.SplitN(host, ".", 2)[0]
	ctlPort, dPort := freePort(t), freePort(t)
	socket := filepath.Join(dir, "munge", "munge.sock")
	conf := fmt.Sprintf(`ClusterName=tessera-test
SlurmctldHost=%[1]s(127.0.0.1)
SlurmctldPort=%[2]d
SlurmdPort=%[3]d
AuthType=auth/munge
AuthInfo=socket=%[4]s
CredType=cred/munge
StateSaveLocation=%[5]s/state
SlurmdSpoolDir=%[5]s/spool
SlurmctldPidFile=%[5]s/run/slurmctld.pid
SlurmdPidFile=%[5]s/run/slurmd.pid
SlurmctldLogFile=%[5]s/log/slurmctld.log
SlurmdLogFile=%[5]s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmUser=root
SlurmdUser=root
ReturnToService=2
SchedulerType=sched/backfill
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MinJobAge=2
NodeName=%[1]s NodeAddr=127.0.0.1 CPUs=%[6]d RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=%[1]s Default=YES MaxTime=INFINITE State=UP
`, host, ctlPort, dPort, socket, dir, cpus())
	confPath := filepath.Join(dir, "slurm.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_CONF", confPath)
	pids := []string{filepath.Join(dir, "run", "slurmd.pid"), filepath.Join(dir, "run", "slurmctld.pid"), filepath.Join(dir, "munge", "munged.pid")}
	t.Cleanup(func() {
		for _, p := range pids {
			stop(p)
		}
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("Slurm logs kept in %s/log", dir)
		}
	})
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), "SLURM_CONF="+confPath)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	run("munged", "--key-file="+filepath.Join(dir, "munge", "munge.key"), "--socket="+socket,
		"--pid-file="+pids[2], "--log-file="+filepath.Join(dir, "munge", "munged.log"), "--seed-file="+filepath.Join(dir, "munge", "seed"), "--force")
	run("slurmctld", "-f", confPath)
	run("slurmd", "-f", confPath)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := exec.Command("sinfo", "--noheader", "--format=%t").CombinedOutput()
		if strings.TrimSpace(string(out)) == "idle" {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log", "slurmctld.log"))
			t.Fatalf("the test cluster did not come up in 30 s (sinfo: %q)\n%s", out, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func cpus() int {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return 1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stop ends the daemon whose pid file is path and waits for it to go.
func stop(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 50; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}
