using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>One reading of a process's resources from Linux's /proc: resident memory, threads, open descriptors.</summary>
internal sealed record ProcStatus(long ResidentBytes, int Threads, int OpenFiles)
{
    /// <summary>Reads /proc/&lt;pid&gt;/status (VmRSS, Threads) and counts /proc/&lt;pid&gt;/fd; null once the process is gone.</summary>
    public static ProcStatus? Read(int processId)
    {
        try
        {
            long rss = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                    threads = int.Parse(line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            return new ProcStatus(rss, threads, Directory.GetFileSystemEntries($"/proc/{processId}/fd").Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
