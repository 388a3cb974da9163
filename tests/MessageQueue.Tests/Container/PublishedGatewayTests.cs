using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace MessageQueue.Tests.Container;

/// <summary>One published gateway, started with the image's environment, shared by the tests that only read from it.</summary>
public sealed class PublishedGatewayFixture : IAsyncLifetime
{
    private readonly string _state = Directory.CreateTempSubdirectory("mq-test-").FullName;

    public PublishedGateway Gateway { get; private set; } = null!;

    /// <summary>Every file of the published program before it ran: in the image they belong to root, read-only to the app.</summary>
    public IReadOnlySet<string> ProgramFiles { get; private set; } = new HashSet<string>();

    public async Task InitializeAsync()
    {
        ProgramFiles = PublishedFiles();
        Gateway = await PublishedGateway.StartAsync(_state);
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
            await Gateway.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    public static HashSet<string> PublishedFiles() =>
        Directory.Exists(PublishedGateway.PublishDirectory)
            ? [.. Directory.EnumerateFileSystemEntries(PublishedGateway.PublishDirectory, "*", SearchOption.AllDirectories)]
            : [];
}

/// <summary>
/// The build the image ships, run outside Docker the way the image runs it: it starts with exactly that environment,
/// answers its health check, serves the dashboard with its SignalR client, and keeps its state where the volumes are.
/// </summary>
public sealed class PublishedGatewayTests(PublishedGatewayFixture fixture) : IClassFixture<PublishedGatewayFixture>
{
    private static readonly Dockerfile Image = ContainerImage.Load();

    private readonly PublishedGateway _gateway = fixture.Gateway;

    [Fact]
    public async Task AnswersItsHealthCheckAndServesTheDashboardWithItsSignalRClient()
    {
        using var http = new HttpClient { BaseAddress = _gateway.HttpAddress };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(HealthCheckPath())).StatusCode);

        var dashboard = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>MessageQueue dashboard</title>", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.True(File.Exists(Path.Combine(PublishedGateway.PublishDirectory, "wwwroot", "lib", "signalr.min.js")), "The publish output lacks wwwroot/lib/signalr.min.js.");
        var client = await http.GetAsync("/lib/signalr.min.js");
        Assert.Equal(HttpStatusCode.OK, client.StatusCode);
        Assert.Contains("signalR", await client.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheImagesHealthCheckCommandPassesOnStatus200AndFailsOtherwise()
    {
        var port = _gateway.HttpAddress.Port;

        Assert.Equal(0, await RunHealthCheckAsync(port, HealthCheckPath()));
        Assert.NotEqual(0, await RunHealthCheckAsync(port, "/no-such-page"));
        Assert.NotEqual(0, await RunHealthCheckAsync(ClosedPort(), HealthCheckPath()));
    }

    [Fact]
    public void KeepsItsStateInTheVolumesAndWritesNothingBesideTheProgram()
    {
        // The legacy door answers on the image's reply endpoint (moved to loopback) with the seeded subjects.
        using (var peer = new LegacyPeer(_gateway.ReplyEndpoint))
            Assert.Contains("[React]", peer.Request(new { type = "1" }), StringComparison.Ordinal);

        var databaseAt = new SqliteConnectionStringBuilder(_gateway.Environment[ContainerImage.ConnectionStringKey]).DataSource;
        Assert.True(File.Exists(databaseAt), $"No database at {databaseAt}.");
        Assert.Contains(_gateway.Volumes.Values, v => databaseAt.StartsWith(v + "/", StringComparison.Ordinal));

        var added = PublishedGatewayFixture.PublishedFiles().Except(fixture.ProgramFiles).ToList();
        Assert.True(added.Count == 0, "The gateway wrote beside its program, where the app user may not write in the image: " + string.Join(", ", added));
    }

    [Fact]
    public async Task DockerStopEndsItCleanly()
    {
        using var state = new TempDirectory();
        await using var gateway = await PublishedGateway.StartAsync(state.Path);

        Assert.Equal(0, await gateway.StopAsync());
    }

    private static string HealthCheckPath() =>
        System.Text.RegularExpressions.Regex.Match(string.Join(' ', DockerfileContractTests.HealthCheckCommand(Image)), "/health/[a-z]+").Value;

    /// <summary>Runs the HEALTHCHECK command of the Dockerfile against the given port and path; its exit code.</summary>
    private static async Task<int> RunHealthCheckAsync(int port, string path)
    {
        var command = DockerfileContractTests.HealthCheckCommand(Image)
            .Select(word => word.Replace("127.0.0.1/5080", $"127.0.0.1/{port}", StringComparison.Ordinal).Replace(HealthCheckPath() + " ", path + " ", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(command, word => word.Contains($"127.0.0.1/{port}", StringComparison.Ordinal) && word.Contains($"GET {path} ", StringComparison.Ordinal));
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
            start.ArgumentList.Add(argument);
        using var probe = Process.Start(start)!;
        // The image gives the probe --timeout=5s.
        await probe.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        return probe.ExitCode;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
