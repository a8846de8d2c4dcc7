//! Cores, memory and accelerators this process may really use: affinity and cgroup quota,
//! cgroup memory limits and a Slurm allocation lower what the machine has.

use std::path::Path;

/// Cores, memory and accelerators available to this process, with where each figure came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    pub cpus: usize,
    pub cpus_from: String,
    pub memory_bytes: u64,
    pub memory_from: String,
    /// A description of a GPU, when one is visible.
    pub gpu: Option<String>,
}

impl Resources {
    pub fn detect() -> Resources {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut cpus_from = "available parallelism (affinity and cgroup quota)".to_string();
        if let Some(n) = env("SLURM_CPUS_ON_NODE").and_then(|v| v.parse::<usize>().ok())
            && n >= 1
            && n < cpus
        {
            cpus = n;
            cpus_from = "SLURM_CPUS_ON_NODE".into();
        }
        let mut memory = meminfo_available().unwrap_or(4 << 30);
        let mut memory_from = "MemAvailable in /proc/meminfo".to_string();
        for (limit, from) in [
            (cgroup_memory_limit(), "cgroup memory limit"),
            (env("SLURM_MEM_PER_NODE").and_then(|v| v.parse::<u64>().ok()).map(|mb| mb << 20), "SLURM_MEM_PER_NODE"),
            (
                env("SLURM_MEM_PER_CPU").and_then(|v| v.parse::<u64>().ok()).map(|mb| (mb << 20) * cpus as u64),
                "SLURM_MEM_PER_CPU × CPUs",
            ),
        ] {
            if let Some(l) = limit
                && l < memory
            {
                memory = l;
                memory_from = from.into();
            }
        }
        Resources { cpus, cpus_from, memory_bytes: memory, memory_from, gpu: detect_gpu() }
    }
}

fn meminfo_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// cgroup v2 `memory.max`, or v1 `memory.limit_in_bytes`, of this process's own cgroup.
fn cgroup_memory_limit() -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let candidates = if controllers.is_empty() {
            vec![Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/')).join("memory.max")]
        } else if controllers.split(',').any(|c| c == "memory") {
            vec![Path::new("/sys/fs/cgroup/memory").join(path.trim_start_matches('/')).join("memory.limit_in_bytes")]
        } else {
            continue;
        };
        for c in candidates {
            if let Ok(v) = std::fs::read_to_string(&c)
                && let Ok(n) = v.trim().parse::<u64>()
                && n < (1 << 60)
            {
                return Some(n);
            }
        }
    }
    None
}

/// An NVIDIA or AMD GPU visible to this process.
pub fn detect_gpu() -> Option<String> {
    if let Ok(entries) = std::fs::read_dir("/proc/driver/nvidia/gpus")
        && let Some(e) = entries.flatten().next()
    {
        let info = std::fs::read_to_string(e.path().join("information")).unwrap_or_default();
        let model = info.lines().find_map(|l| l.strip_prefix("Model:")).map(str::trim).unwrap_or("NVIDIA GPU");
        return Some(model.to_string());
    }
    if Path::new("/dev/nvidia0").exists() {
        return Some("NVIDIA GPU (/dev/nvidia0)".into());
    }
    if Path::new("/dev/kfd").exists() {
        return Some("AMD GPU (/dev/kfd)".into());
    }
    None
}
