using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>A real SMTP server (aiosmtpd) in its own process, keeping every message it accepts as a file.</summary>
public sealed class SmtpSink : IDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _store;

    private SmtpSink(int port, Process process, TempDirectory store)
    {
        Port = port;
        _process = process;
        _store = store;
    }

    public int Port { get; }

    public string StorePath => _store.Path;

    /// <summary>Starts the server on <paramref name="port"/>, or on a free one.</summary>
    /// <param name="port">The port; a free one when null.</param>
    /// <param name="stallAfterData">Keep each message but never answer after its body.</param>
    public static async Task<SmtpSink> StartAsync(int? port = null, bool stallAfterData = false)
    {
        port ??= FreePort();
        var store = new TempDirectory();
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(RepositoryPaths.PythonScripts, "smtp_sink.py"), $"{port}", store.Path, stallAfterData ? "stall" : ""])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        var sink = new SmtpSink(port.Value, process, store);
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (ready != "ready")
        {
            sink.Dispose(); // stderr ends once the process is gone
            Assert.Fail($"The SMTP server did not start: {ready} {await process.StandardError.ReadToEndAsync()}");
        }
        return sink;
    }

    /// <summary>Every message so far, in arrival order.</summary>
    public List<MimeMessage> Messages() =>
        [.. Directory.GetFiles(StorePath, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))];

    /// <summary>Polls until at least <paramref name="count"/> messages arrived; fails the test after the timeout.</summary>
    public async Task<List<MimeMessage>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        await Poll.UntilAsync(() => Directory.GetFiles(StorePath, "*.eml").Length >= count,
            () => $"{Directory.GetFiles(StorePath, "*.eml").Length} of {count} messages arrived in time.", timeout);
        return Messages();
    }

    /// <summary>Gateway settings that send mail, unencrypted and without login, to an SMTP server on <paramref name="port"/>.</summary>
    public static Dictionary<string, string?> GatewaySettings(int port) => new()
    {
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = $"{port}",
        ["Smtp:Security"] = "None",
    };

    /// <summary>The same for a gateway process (environment variables), with registrations confirmed at once.</summary>
    public static Dictionary<string, string> ProcessEnvironment(int port) => new()
    {
        ["Smtp__Host"] = "127.0.0.1",
        ["Smtp__Port"] = $"{port}",
        ["Smtp__Security"] = "None",
        ["Email__ConfirmSubscriptions"] = "false",
    };

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _store.Dispose();
    }
}
