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
builder.AddHandoff();

var app = builder.Build();
app.UseHandoff();
app.MapHandoffApi();
app.Run();

/// <summary>Entry point, visible to integration tests.</summary>
public partial class Program;
