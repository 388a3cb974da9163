using System.Net;
using System.Net.Sockets;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Hosting;

/// <summary>
/// Start-up failures a person can cause end with one line that names the setting, its value and what to do, and the
/// configuration exit code (78), not a stack trace and a crash.
/// </summary>
public sealed class FirstRunErrorTests
{
    private const int ConfigurationExitCode = 78;

    [Theory]
    [InlineData("Zmq__ReplyEndpoint", "Zmq:ReplyEndpoint", "tcp://127.0.0.1:{0}")]
    [InlineData("Zmq__PublishEndpoint", "Zmq:PublishEndpoint", "tcp://127.0.0.1:{0}")]
    [InlineData("Urls", "Urls", "http://127.0.0.1:{0}")]
    public async Task APortInUseNamesTheSettingAndItsValue(string variable, string setting, string endpointFormat)
    {
        using var data = new TempDirectory();
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        occupant.Listen();
        var endpoint = string.Format(System.Globalization.CultureInfo.InvariantCulture, endpointFormat, ((IPEndPoint)occupant.LocalEndPoint!).Port);

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(data.Path, new Dictionary<string, string> { [variable] = endpoint });

        AssertOneActionableLine(exitCode, output, $"{setting} is '{endpoint}': another program is already listening on that port", "choose another port");
    }

    [Theory]
    [InlineData("Zmq__ReplyEndpoint", "Zmq:ReplyEndpoint", "tcp://nonsense")]
    [InlineData("Zmq__PublishEndpoint", "Zmq:PublishEndpoint", "tcp://127.0.0.1:99999")]
    [InlineData("Zmq__ReplyEndpoint", "Zmq:ReplyEndpoint", "127.0.0.1:8080")]
    public async Task AMalformedEndpointNamesTheSettingAndAnExample(string variable, string setting, string endpoint)
    {
        using var data = new TempDirectory();

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(data.Path, new Dictionary<string, string> { [variable] = endpoint });

        AssertOneActionableLine(exitCode, output, $"{setting} is '{endpoint}', which is not a ZeroMQ endpoint", $"{variable}=tcp://127.0.0.1:");
        Assert.DoesNotContain("other machines can reach", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hub__ConnectionSendBufferBytes", "1000", "ConnectionSendBufferBytes")] // read while the pipeline is mapped
    [InlineData("Zmq__MaxConnections", "-1", "MaxConnections")]                      // read while the host is built
    public async Task ASettingOutOfRangeIsNamedWhereverItIsRead(string variable, string value, string property)
    {
        using var data = new TempDirectory();

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(data.Path, new Dictionary<string, string> { [variable] = value });

        AssertOneActionableLine(exitCode, output, property, "must be");
    }

    [Theory]
    [InlineData("ConnectionStrings__MessageQueue", "ConnectionStrings:MessageQueue", "Data Source={0}/messagequeue.db", "cannot be created or written")]
    [InlineData("Email__KeysDirectory", "Email:KeysDirectory", "{0}/keys", "cannot be created or written")]
    [InlineData("Email__PickupDirectory", "Email:PickupDirectory", "{0}/mail", "cannot be created or written")]
    public async Task AFolderThatCannotBeWrittenNamesTheSetting(string variable, string setting, string valueFormat, string problem)
    {
        // A file where the data folder should be: no user, root included, can create or write the folder.
        using var data = new TempDirectory();
        var blocked = Path.Combine(data.Path, "data");
        await File.WriteAllTextAsync(blocked, "a file, not a folder");
        var value = string.Format(System.Globalization.CultureInfo.InvariantCulture, valueFormat, blocked);

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(data.Path, new Dictionary<string, string> { [variable] = value });

        var shown = value.StartsWith("Data Source=", StringComparison.Ordinal) ? value["Data Source=".Length..] : value;
        AssertOneActionableLine(exitCode, output, $"{setting} is '{shown}': ", problem);
        Assert.Contains("writable", output.Split('\n')[^1], StringComparison.Ordinal);
    }

    private static void AssertOneActionableLine(int exitCode, string output, string says, string advice)
    {
        Assert.True(exitCode == ConfigurationExitCode, $"exit code {exitCode}, expected {ConfigurationExitCode}:\n{output}");
        var last = output.TrimEnd().Split('\n')[^1];
        // Either the one-line failure, or the last of the configuration check's list (one line per problem).
        Assert.True(last.StartsWith("The gateway did not start: ", StringComparison.Ordinal) || last.StartsWith("  - ", StringComparison.Ordinal), output);
        Assert.Contains(says, last, StringComparison.Ordinal);
        Assert.Contains(advice, last, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }
}
