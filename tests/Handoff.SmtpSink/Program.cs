using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

// A tiny SMTP server for tests: listens on loopback, accepts every message and stores it as an .eml file in the
// directory given as the first argument. Prints "LISTENING <port>" once it accepts connections.
if (args.Length != 1)
{
    await Console.Error.WriteLineAsync("usage: Handoff.SmtpSink <directory for received messages>");
    return 2;
}

var directory = Directory.CreateDirectory(args[0]).FullName;
var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
Console.WriteLine($"LISTENING {((IPEndPoint)listener.LocalEndpoint).Port}");
Console.Out.Flush();
while (true)
{
    var client = await listener.AcceptTcpClientAsync();
    _ = Task.Run(() => SmtpSession.RunAsync(client, directory));
}

/// <summary>One SMTP conversation: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.</summary>
internal static class SmtpSession
{
    private static int _count;

    public static async Task RunAsync(TcpClient client, string directory)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1);
        using var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 handoff-smtp-sink ready");
        string? from = null;
        var to = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-handoff-smtp-sink");
                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "HELO":
                    await writer.WriteLineAsync("250 handoff-smtp-sink");
                    break;
                case "MAIL":
                    from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    to.Clear();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    to.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var message = new StringBuilder();
                    message.Append("X-Sink-From: ").Append(from).Append("\r\n");
                    message.Append("X-Sink-To: ").Append(string.Join(", ", to)).Append("\r\n");
                    while (await reader.ReadLineAsync() is { } data && data != ".")
                    {
                        message.Append(data.StartsWith("..", StringComparison.Ordinal) ? data[1..] : data).Append("\r\n");
                    }

                    var name = $"{Interlocked.Increment(ref _count).ToString("D6", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";
                    var temporary = Path.Combine(directory, name + ".tmp");
                    await File.WriteAllTextAsync(temporary, message.ToString(), Encoding.Latin1);
                    File.Move(temporary, Path.Combine(directory, name + ".eml"));
                    await writer.WriteLineAsync("250 OK queued");
                    break;
                case "RSET":
                    from = null;
                    to.Clear();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "NOOP":
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("502 Command not implemented");
                    break;
            }
        }
    }
}
