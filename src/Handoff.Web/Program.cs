using Handoff.Data;
using Handoff.Web.Api;
using Handoff.Web.Hosting;

_ = MallocArenas.Limit();

// appsettings.json ships beside the binary: read it from there when the app is started from another folder
// (`dotnet path/to/Handoff.Web.dll`), instead of silently running without it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory,
});

// Loopback on 5080 unless told otherwise (--urls, Urls, ASPNETCORE_URLS, or Kestrel endpoints in configuration). Not in
// appsettings.json: there it overrode ASPNETCORE_URLS, which is read before it.
if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

builder.AddHandoff();

var app = builder.Build();
app.UseHandoff();
app.MapHandoffApi();
app.Run();

/// <summary>Entry point, visible to integration tests.</summary>
public partial class Program;
