using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MessageQueue.Gateway.Ingest;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>
/// Two gateways on one PostgreSQL database with the same <c>sub</c> source: one reads it (it holds the source's lease),
/// the other stands by, so each published message is stored once; when the reader stops, the other takes over.
/// </summary>
public sealed class IngestLeaseTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const int LeaseIntervalMilliseconds = 200;

    private readonly TempDirectory _database = new();
    private readonly List<GatewayFactory> _gateways = [];
    private readonly string _source = NewSourceName();
    private PythonFeeder _publisher = null!;

    public async Task InitializeAsync() => _publisher = await PythonFeeder.PublisherAsync();

    [Fact]
    public async Task ASubSourceOnTwoInstancesIsReadByOneAndEachMessageIsStoredOnce()
    {
        var (a, b) = (Start(), Start());
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(httpA);
        await JoinAsync(_publisher, httpA, subject, topic: subject);
        var (reader, standby) = await ReaderAndStandbyAsync(a, b);

        await _publisher.SendSeriesAsync(300, "m-", subject);
        await _publisher.SendAsync(subject, "last");
        await Poll.UntilAsync(async () => (await HistoryAsync(httpA, subject)).Texts().Contains("last"), () => "The last message was not stored.");

        Assert.Equal([.. Enumerable.Range(0, 300).Select(i => $"m-{i}"), "last"], (await HistoryAsync(httpA, subject)).Texts());
        var reading = Status(reader);
        Assert.Equal((IngestSourceStatus.Reading, 1), (reading.State, reading.Peers));
        var standing = Status(standby);
        Assert.Equal((IngestSourceStatus.Standby, 0, 0), (standing.State, standing.Peers, standing.StoredLastMinute));
        // Standing by is what the second instance should do: its readiness stays Healthy.
        foreach (var gateway in new[] { reader, standby })
        {
            using var http = gateway.CreateClient();
            var (code, status, description) = await IngestHealthAsync(http);
            Assert.Equal((HttpStatusCode.OK, "Healthy"), (code, status));
            Assert.Contains(_source, description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WhenTheReadingInstanceStopsTheOtherTakesTheSourceOverAndMessagesFlowAgain()
    {
        var (a, b) = (Start(), Start());
        using var httpA = a.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(httpA);
        await JoinAsync(_publisher, httpA, subject, topic: subject);
        var (reader, standby) = await ReaderAndStandbyAsync(a, b);
        await _publisher.SendAsync(subject, "before");
        await Poll.UntilAsync(async () => (await HistoryAsync(httpA, subject)).Texts().Contains("before"), () => "The first message was not stored.");

        var takeover = Stopwatch.StartNew();
        reader.Dispose(); // a graceful stop: its lease session ends with it
        await Poll.UntilAsync(() => Status(standby).State == IngestSourceStatus.Reading,
            () => $"The standing-by instance did not take the source over: {Status(standby)}.");
        takeover.Stop();
        output.WriteLine($"Taken over {takeover.Elapsed.TotalMilliseconds:F0} ms after the reader's dispose began (interval {LeaseIntervalMilliseconds} ms).");

        using var http = standby.CreateClient();
        await JoinAsync(_publisher, http, subject, topic: subject);
        await _publisher.SendAsync(subject, "after");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Texts().Contains("after"), () => "The message after the takeover was not stored.");
        Assert.Equal(["before", "after"], (await HistoryAsync(http, subject)).Texts());
        Assert.Equal(1, Status(standby).Peers);
        Assert.True(takeover.Elapsed < TimeSpan.FromSeconds(5), $"The takeover took {takeover.Elapsed.TotalMilliseconds:F0} ms with a {LeaseIntervalMilliseconds} ms interval.");
    }

    [Fact]
    public async Task WhenTheReadersLeaseSessionIsCutTheSourceIsLeasedAgainAndStillReadByOneInstance()
    {
        var (a, b) = (Start(), Start());
        using var httpA = a.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(httpA);
        await JoinAsync(_publisher, httpA, subject, topic: subject);
        await ReaderAndStandbyAsync(a, b);
        Assert.Equal(1, LeasesTaken(a, b));

        // As when the reader's connection to PostgreSQL drops: the server ends its session, and with it the lease.
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgreSqlServer.Shared.DatabaseFor(_database.Path)) { Pooling = false }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var cut = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND classid = @class AND objsubid = 2 AND granted"
                + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", admin);
            cut.Parameters.AddWithValue("class", (long)(uint)IngestLeases.ClassId);
            Assert.Equal(1L, await cut.ExecuteScalarAsync());
        }

        await Poll.UntilAsync(() => LeasesTaken(a, b) == 2, () => "The source was not leased again after its reader's session was cut.");
        var (reader, _) = await ReaderAndStandbyAsync(a, b);
        using var http = reader.CreateClient();
        await JoinAsync(_publisher, http, subject, topic: subject);
        await _publisher.SendAsync(subject, "after the cut");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Texts().Contains("after the cut"), () => "The message after the cut was not stored.");
        Assert.Equal(["after the cut"], (await HistoryAsync(http, subject)).Texts());
    }

    /// <summary>Leases taken by either instance (read from each, not /metrics: the gateways of one test process share a meter).</summary>
    private static long LeasesTaken(GatewayFactory a, GatewayFactory b) =>
        a.Services.GetRequiredService<IngestLeases>().Taken + b.Services.GetRequiredService<IngestLeases>().Taken;

    /// <summary>Once both have tried the lease: one reads, the other stands by.</summary>
    private async Task<(GatewayFactory Reader, GatewayFactory Standby)> ReaderAndStandbyAsync(GatewayFactory a, GatewayFactory b)
    {
        await Poll.UntilAsync(() => new[] { Status(a).State, Status(b).State }.Order(StringComparer.Ordinal)
                .SequenceEqual([IngestSourceStatus.Reading, IngestSourceStatus.Standby]),
            () => $"Not one reader and one on standby: {Status(a)}; {Status(b)}.");
        return Status(a).State == IngestSourceStatus.Reading ? (a, b) : (b, a);
    }

    private IngestSourceStatus Status(GatewayFactory gateway) =>
        gateway.Services.GetRequiredService<IngestService>().Statuses().Single(s => s.Name == _source);

    private GatewayFactory Start()
    {
        var settings = Source(0, ("Name", _source), ("Kind", "sub"), ("Endpoint", _publisher.Endpoint))
            .With("Ingest:LeaseIntervalMilliseconds", $"{LeaseIntervalMilliseconds}");
        var gateway = new GatewayFactory(null, settings.Concat(PostgreSqlServer.Shared.GatewaySettings(_database.Path)).ToDictionary());
        _gateways.Add(gateway);
        return gateway;
    }

    private static async Task<(HttpStatusCode Code, string? Status, string Description)> IngestHealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        var check = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("ingest");
        return (response.StatusCode, check.GetProperty("status").GetString(), check.GetProperty("description").GetString() ?? "");
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
            gateway.Dispose(); // a second Dispose of the one a test stopped does nothing
        await _publisher.DisposeAsync();
    }

    public void Dispose() => _database.Dispose(); // after DisposeAsync
}
