using Handoff.Web.Api;
using Handoff.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddHandoff();

var app = builder.Build();
app.UseHandoff();
app.MapHandoffApi();
app.Run();

/// <summary>Entry point, visible to integration tests.</summary>
public partial class Program;
