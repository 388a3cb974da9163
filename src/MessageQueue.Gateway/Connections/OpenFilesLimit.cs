using System.Runtime.InteropServices;

namespace MessageQueue.Gateway.Connections;

/// <summary>The process's open-files limit (RLIMIT_NOFILE), raised from its soft value to its hard one on Linux.</summary>
internal static class OpenFilesLimit
{
    private const int RlimitNoFile = 7; // Linux, every architecture .NET runs on

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary>
    /// Raises the soft limit to the hard limit; returns the limit now in force and the soft limit found, or null where
    /// there is no such limit to read (not Linux) or reading it failed.
    /// </summary>
    public static (long Limit, long Before)? Raise()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            if (GetRlimit(RlimitNoFile, out var limit) != 0)
                return null;
            var before = Clamp(limit.Current);
            if (limit.Current < limit.Maximum)
            {
                var raised = limit with { Current = limit.Maximum };
                if (SetRlimit(RlimitNoFile, in raised) == 0)
                    limit = raised;
            }
            return (Clamp(limit.Current), before);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    // RLIM_INFINITY is all ones; no process gets near int.MaxValue descriptors anyway.
    private static long Clamp(ulong value) => (long)Math.Min(value, int.MaxValue);

    // DllImport rather than LibraryImport: the struct is blittable, and LibraryImport would need unsafe code allowed.
    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetRlimit(int resource, out Rlimit limit);

    [DllImport("libc", EntryPoint = "setrlimit")]
    private static extern int SetRlimit(int resource, in Rlimit limit);
}
