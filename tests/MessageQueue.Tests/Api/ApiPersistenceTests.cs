using MessageQueue.Gateway.Storage;
using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>What the REST door changes is in the store: it survives a restart.</summary>
public abstract class ApiPersistenceContract(StoreProvider store)
{
    [Fact]
    public async Task CreatedAndDeletedSubjectsSurviveARestartWithTheirHistory()
    {
        using var data = new TempDirectory();
        var name = ApiAssert.NewSubjectName();
        using (var gateway = new GatewayFactory(data.Path, store: store))
        using (var http = gateway.CreateClient())
        {
            await ApiAssert.Json(await http.PostAsJsonAsync("/api/subjects", new { name, content = "Kept." }), HttpStatusCode.Created);
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "also kept" }), HttpStatusCode.Created);
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/api/subjects/SpringBoot")).StatusCode);
        }

        using var restarted = new GatewayFactory(data.Path, store: store);
        using var again = restarted.CreateClient();
        var subject = await ApiAssert.Json(await again.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal("Kept.\nalso kept", subject.GetProperty("content").GetString());
        Assert.Equal(1, subject.GetProperty("lastSequence").GetInt64());
        using var peer = new LegacyPeer(restarted.Zmq.ReplyEndpoint);
        Assert.Equal($"[NodeJs] [React] [Django] [{name}]", peer.Request(new { type = "1" }));
    }
}

public sealed class ApiPersistenceTests() : ApiPersistenceContract(StoreProvider.Sqlite);

/// <summary>The same on PostgreSQL.</summary>
public sealed class ApiPersistenceOnPostgreSqlTests() : ApiPersistenceContract(StoreProvider.PostgreSql);
