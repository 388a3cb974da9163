using System.Diagnostics;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Client;

/// <summary>The client packs as the .NET tool <c>mq</c> and, installed as the README says, talks to a gateway.</summary>
public sealed class DotnetToolTests : IClassFixture<GatewayFactory>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private readonly GatewayFactory _gateway;

    public DotnetToolTests(GatewayFactory gateway) => _gateway = gateway;

    [Fact]
    public async Task PackedToolInstallsIntoAToolPathAndListsTheSubjects()
    {
        using var temp = new TempDirectory();
        var packages = Path.Combine(temp.Path, "packages");
        var tools = Path.Combine(temp.Path, "tools");
        // Its own package cache, so the install takes this build's package and not one cached by an earlier run.
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(temp.Path, "nuget") };

        var project = Path.Combine(RepositoryPaths.Root, "src", "MessageQueue.Client");
        await RunAsync("dotnet", environment, "pack", project, "-c", RepositoryPaths.Configuration, "--no-build", "-o", packages, "-nologo");
        Assert.True(File.Exists(Path.Combine(packages, "MessageQueue.Client.1.0.0.nupkg")), "dotnet pack made no MessageQueue.Client package");

        // Only the package just made: no registry is asked, and none can offer another package of that name.
        var onlyLocal = Path.Combine(temp.Path, "nuget.config");
        await File.WriteAllTextAsync(onlyLocal, $"""
            <configuration>
              <packageSources><clear /><add key="local" value="{packages}" /></packageSources>
            </configuration>
            """);
        await RunAsync("dotnet", environment, "tool", "install", "--tool-path", tools, "--configfile", onlyLocal, "MessageQueue.Client");
        var mq = Path.Combine(tools, "mq");
        Assert.True(File.Exists(mq), "the tool installed no mq command");

        var listed = await RunAsync(mq, environment, "list", "--server", _gateway.Zmq.ReplyEndpoint);
        Assert.Equal(["SpringBoot", "NodeJs", "React", "Django"], listed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Runs a command to its end and returns its standard output; fails with its whole output otherwise.</summary>
    private static async Task<string> RunAsync(string fileName, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(CommandTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} took over {CommandTimeout}");
        }
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', args)} exited {process.ExitCode}:\n{await output}\n{await error}");
        return (await output).Trim();
    }
}
