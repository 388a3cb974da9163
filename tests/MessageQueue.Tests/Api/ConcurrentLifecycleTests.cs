using MessageQueue.Gateway.Storage;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>
/// Subjects created, updated, registered on and deleted all at once, so that one group commit holds several of these
/// on one name: whatever the interleaving, what the gateway shows is what the store holds after a restart.
/// </summary>
public abstract class ConcurrentLifecycleContract(StoreProvider store)
{
    [Fact]
    public async Task MixedChangesOnFewNamesLeaveTheGatewayAgreeingWithItsStore()
    {
        using var data = new TempDirectory();
        string before;
        var names = Enumerable.Range(0, 3).Select(_ => ApiAssert.NewSubjectName()).ToArray();
        using (var gateway = new GatewayFactory(data.Path, store: store))
        {
            var operations = Enumerable.Range(0, 240).Select(i => Task.Run(async () =>
            {
                using var http = gateway.CreateClient();
                var name = names[i % names.Length];
                var response = (i / names.Length % 5) switch
                {
                    0 => await http.PostAsJsonAsync("/api/subjects", new { name, content = $"created by {i}" }),
                    1 => await http.DeleteAsync($"/api/subjects/{name}"),
                    2 => await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = $"r{i % 7}@example.com" }),
                    _ => await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"update {i}" }),
                };
                // Every answer is one of the outcomes the contract allows for a race; never a server error.
                Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.Conflict });
            }));
            await Task.WhenAll(operations);
            before = await DescribeAsync(gateway, names);
        }

        using var restarted = new GatewayFactory(data.Path, store: store);
        Assert.Equal(before, await DescribeAsync(restarted, names));
    }

    /// <summary>Every subject's state and content, and every update of the names under test.</summary>
    private static async Task<string> DescribeAsync(GatewayFactory gateway, string[] names)
    {
        using var http = gateway.CreateClient();
        var lines = new List<string> { await http.GetStringAsync("/api/subjects") };
        foreach (var name in names)
        {
            var subject = await http.GetAsync($"/api/subjects/{name}");
            lines.Add($"{name}: {(int)subject.StatusCode}");
            if (subject.StatusCode != HttpStatusCode.OK)
                continue;
            lines.Add(await subject.Content.ReadAsStringAsync());
            var page = await ApiAssert.Json(await http.GetAsync($"/api/subjects/{name}/updates?limit=1000"), HttpStatusCode.OK);
            var sequences = page.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("sequence").GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(s => (long)s), sequences); // gapless from 1
            lines.Add(JsonSerializer.Serialize(page.GetProperty("updates")));
        }
        return string.Join('\n', lines);
    }
}

public sealed class ConcurrentLifecycleTests() : ConcurrentLifecycleContract(StoreProvider.Sqlite);

/// <summary>The same on PostgreSQL.</summary>
public sealed class ConcurrentLifecycleOnPostgreSqlTests() : ConcurrentLifecycleContract(StoreProvider.PostgreSql);
