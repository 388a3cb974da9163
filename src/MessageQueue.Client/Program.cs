using System.CommandLine;
using MessageQueue.Client.Cli;
using NetMQ;

try
{
    // No response files: an argument starting with '@' is a value (a Z85 key may start with it, so may a message),
    // not the name of a file to read more arguments from.
    var parseResult = ClientCommandLine.Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    // Set explicitly: System.CommandLine 2.0.0 leaves it null, and then Ctrl+C / SIGTERM kill `watch` outright
    // instead of cancelling it (dotnet/command-line-api#2739).
    var exitCode = await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(2) });

    // System.CommandLine answers a usage error with 1, which here means "the server refused".
    return parseResult.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
}
finally
{
    // Every socket has Linger 0 and is closed by now: do not wait on NetMQ's I/O threads, quit promptly.
    NetMQConfig.Cleanup(block: false);
}
