using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>What the real servers the tests start (PostgreSQL, Redis, HAProxy) have in common.</summary>
public static class ServerProcess
{
    public static bool IsRoot { get; } = Environment.UserName == "root";

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Runs a command to its end; its output when it succeeds, an exception with that output when it does not.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // never the test host's: a server it starts must not hold it either
        };
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not end in time.");
        }
        var text = await output + await error;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{text}");
        return text;
    }

    /// <summary>
    /// Runs <paramref name="cleanup"/> (a shell command) once this test process has gone, however it went: a run killed
    /// by a hang timeout or Ctrl+C would otherwise leave its servers running on this shared machine. Kill the watcher
    /// when the server is disposed normally.
    /// </summary>
    public static Process WatchForOrphan(string cleanup)
    {
        var testProcess = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"while kill -0 {testProcess} 2>/dev/null; do sleep 1; done; {cleanup}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        return Process.Start(start)!;
    }

    /// <summary>Ends a watcher (and its sleep) once the server it guards is cleaned up.</summary>
    public static void StopWatching(Process watcher)
    {
        try
        {
            if (!watcher.HasExited)
                watcher.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended on its own.
        }
        watcher.Dispose();
    }

    /// <summary>Quotes a path for /bin/sh.</summary>
    public static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
