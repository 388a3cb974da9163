using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Npgsql;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>The real PostgreSQL the scale-out tests run on: databases of their own, and a server that can go away and come back.</summary>
public sealed class PostgreSqlServerTests
{
    [Fact]
    public async Task DatabasesCreatedInParallelOnTheSharedClusterAreDistinctAndUsable()
    {
        var server = PostgreSqlServer.Shared;

        var created = await Task.WhenAll(server.CreateDatabaseAsync(), server.CreateDatabaseAsync());

        Assert.NotEqual(created[0], created[1]);
        await Task.WhenAll(created.Select((connection, i) => WriteAsync(connection, $"row of database {i}")));
        Assert.Equal(["row of database 0"], await ReadAsync(created[0]));
        Assert.Equal(["row of database 1"], await ReadAsync(created[1]));
    }

    [Fact]
    public async Task TheSameKeyReachesTheSameDatabase()
    {
        var server = PostgreSqlServer.Shared;
        var key = $"/data/of/{Guid.NewGuid()}";

        var first = await Task.WhenAll(Task.Run(() => server.DatabaseFor(key)), Task.Run(() => server.DatabaseFor(key)));
        await WriteAsync(first[0], "written before the restart");
        var again = server.DatabaseFor(key);
        var other = server.DatabaseFor(key + "/other");

        Assert.Equal(first[0], first[1]);
        Assert.Equal(first[0], again);
        Assert.Equal(["written before the restart"], await ReadAsync(again));
        Assert.NotEqual(again, other);
        Assert.Matches("^mq_[0-9a-f]{32}$", PostgreSqlServer.DatabaseName(key));
    }

    [Fact]
    public async Task AStoppedClusterRefusesConnectionsAndKeepsItsDataWhenStartedAgain()
    {
        await using var server = await PostgreSqlServer.StartAsync();
        var connection = await server.CreateDatabaseAsync();
        await WriteAsync(connection, "committed before the stop");

        await server.StopAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ReadAsync(connection));
        await server.StartAgainAsync();

        Assert.Equal(["committed before the stop"], await ReadAsync(connection));
    }

    [Fact]
    public async Task AKilledClusterRecoversEveryCommittedRow()
    {
        await using var server = await PostgreSqlServer.StartAsync();
        var connection = await server.CreateDatabaseAsync();
        await WriteAsync(connection, "committed before the crash");

        await server.KillAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ReadAsync(connection));
        await server.StartAgainAsync();

        Assert.Equal(["committed before the crash"], await ReadAsync(connection));
        Assert.Contains("database system was interrupted", await File.ReadAllTextAsync(server.LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSharedClusterCannotBeStoppedByATest()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => PostgreSqlServer.Shared.StopAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => PostgreSqlServer.Shared.KillAsync());
        Assert.Equal([], await ReadAsync(await PostgreSqlServer.Shared.CreateDatabaseAsync(), createTable: true));
    }

    [Fact]
    public async Task AGatewayRestartedOnItsDataDirectoryFindsItsStoreInTheSameDatabase()
    {
        using var data = new TempDirectory();
        var server = PostgreSqlServer.Shared;
        var name = ApiAssert.NewSubjectName();
        using (var gateway = new GatewayFactory(data.Path, server.GatewaySettings(data.Path)))
        using (var http = gateway.CreateClient())
        {
            await ApiAssert.Json(await http.PostAsJsonAsync("/api/subjects", new { name, content = "Kept." }), HttpStatusCode.Created);
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "also kept" }), HttpStatusCode.Created);
        }

        using var restarted = new GatewayFactory(data.Path, server.GatewaySettings(data.Path));
        using var again = restarted.CreateClient();
        var subject = await ApiAssert.Json(await again.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);

        Assert.Equal("Kept.\nalso kept", subject.GetProperty("content").GetString());
        await using var connection = new NpgsqlConnection(Unpooled(server.DatabaseFor(data.Path)));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM \"Updates\"", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    private static async Task WriteAsync(string connectionString, string value)
    {
        // Unpooled: a pooled connection would outlive the server's restart and fail once on first use.
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync();
        await using var write = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS probe (value text NOT NULL); INSERT INTO probe VALUES (@value)", connection);
        write.Parameters.AddWithValue("value", value);
        await write.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> ReadAsync(string connectionString, bool createTable = false)
    {
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand((createTable ? "CREATE TABLE probe (value text NOT NULL); " : "") + "SELECT value FROM probe", connection);
        await using var rows = await read.ExecuteReaderAsync();
        var values = new List<string>();
        while (await rows.ReadAsync())
            values.Add(rows.GetString(0));
        return values;
    }

    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
}
