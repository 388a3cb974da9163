using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>PostgreSQL going away under a running gateway, and not being there at start.</summary>
public sealed class PostgreSqlOutageTests
{
    [Fact]
    public async Task WhilePostgreSqlIsStoppedChangesAreRefusedOnEveryDoorReadsGoOnAndTheGatewayRecoversByItself()
    {
        await using var server = await PostgreSqlServer.StartAsync();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>
        {
            ["Store:Provider"] = "PostgreSQL",
            ["ConnectionStrings:MessageQueue"] = await server.CreateDatabaseAsync(),
            ["Store:ProbeIntervalSeconds"] = "1",
        });
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };
        using var legacy = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var name = await ApiAssert.NewSubjectAsync(http, "first line");
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "before" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/subjects/{name}/updates")).StatusCode); // a read leaves a connection in the pool

        await server.StopAsync();

        await ApiAssert.Problem(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "refused" }), HttpStatusCode.ServiceUnavailable);
        Assert.EndsWith("Try again!", legacy.Request(new { type = "3", subject = name, updateMessage = "refused" }), StringComparison.Ordinal);
        var hubRefusal = await Assert.ThrowsAsync<HubException>(() => hub.PostAsync(name, "refused"));
        Assert.Contains("HubException: unavailable: ", hubRefusal.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        // What the gateway holds in memory is still served.
        var subject = await ApiAssert.Json(await http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal("first line\nbefore", subject.GetProperty("content").GetString());
        Assert.Contains(name, legacy.Request(new { type = "1" }), StringComparison.Ordinal);

        await server.StartAgainAsync();

        // The writer finds the server back by itself (its probe) or at the next change, whichever comes first.
        await Poll.UntilAsync(async () => (await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "after" })).StatusCode == HttpStatusCode.Created,
            () => "Changes were still refused once PostgreSQL was back.");
        Assert.Equal("isSuccess", legacy.Request(new { type = "3", subject = name, updateMessage = "after, legacy" }));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        // Nothing refused was half-written; the numbering went on from the last stored update. The read's pooled
        // connection from before the outage is not used again.
        var history = await http.GetFromJsonAsync<HistoryPageResource>($"/api/subjects/{name}/updates?limit=10", HubPeerJson.Options);
        Assert.Equal([(1L, "before"), (2L, "after"), (3L, "after, legacy")], history!.Updates.Select(u => (u.Sequence, u.Text)));
    }

    [Fact]
    public async Task AGatewayWhoseDatabaseIsUnreachableOrMissingAtStartSaysSoInOneLineAndExits()
    {
        using var data = new TempDirectory();
        var unreachable = $"Host=127.0.0.1;Port={ServerProcess.FreePort()};Username=postgres;Database=messagequeue;Timeout=3";
        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(data.Path,
            new Dictionary<string, string> { ["Store__Provider"] = "PostgreSQL", ["ConnectionStrings__MessageQueue"] = unreachable });
        Assert.Equal(78, exitCode);
        Assert.Contains("The gateway did not start: ConnectionStrings:MessageQueue is 'Host=127.0.0.1;", output, StringComparison.Ordinal);
        Assert.Contains("the server cannot be reached", output, StringComparison.Ordinal);

        var missing = PostgreSqlServer.Shared.ConnectionString("no_such_database") + ";Password=secret";
        (exitCode, output) = await GatewayProcess.RunUntilExitAsync(data.Path,
            new Dictionary<string, string> { ["Store__Provider"] = "PostgreSQL", ["ConnectionStrings__MessageQueue"] = missing });
        Assert.Equal(78, exitCode);
        Assert.Contains("the server refused (3D000: database \"no_such_database\" does not exist)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", output, StringComparison.Ordinal);
    }
}
