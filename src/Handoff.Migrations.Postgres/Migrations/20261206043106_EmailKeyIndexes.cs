using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Handoff.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class EmailKeyIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_leads_account_id",
                table: "leads");

            migrationBuilder.DropIndex(
                name: "ix_leads_email_key",
                table: "leads");

            migrationBuilder.DropIndex(
                name: "ix_leads_email_key1",
                table: "leads");

            migrationBuilder.DropIndex(
                name: "ix_leads_merged_into_id",
                table: "leads");

            migrationBuilder.DropIndex(
                name: "ix_leads_phone_e164",
                table: "leads");

            // One index for both jobs of the two dropped above: unique among open leads (closed ones have NULL in the
            // second column, and NULLs are distinct in a unique index), and lookups by email in any stage (its first
            // column). EF Core cannot model an index on an expression; the model's configuration says so (LeadConfiguration).
            migrationBuilder.Sql("""
                CREATE UNIQUE INDEX ix_leads_email_key ON leads (email_key, (CASE WHEN stage IN ('New', 'MQL', 'SAL', 'SQL', 'Nurture') THEN 0 END));
                """);

            migrationBuilder.CreateIndex(
                name: "ix_leads_account_id",
                table: "leads",
                column: "account_id",
                filter: "account_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_leads_merged_into_id",
                table: "leads",
                column: "merged_into_id",
                filter: "merged_into_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_leads_phone_e164",
                table: "leads",
                column: "phone_e164",
                filter: "phone_e164 IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_leads_email_key",
                table: "leads");

            migrationBuilder.DropIndex(
                name: "ix_leads_account_id",
                table: "leads");

            migrationBuilder.DropIndex(
                name: "ix_leads_merged_into_id",
                table: "leads");

            migrationBuilder.DropIndex(
                name: "ix_leads_phone_e164",
                table: "leads");

            migrationBuilder.CreateIndex(
                name: "ix_leads_account_id",
                table: "leads",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "ix_leads_email_key",
                table: "leads",
                column: "email_key");

            migrationBuilder.CreateIndex(
                name: "ix_leads_email_key1",
                table: "leads",
                column: "email_key",
                unique: true,
                filter: "email_key IS NOT NULL AND stage IN ('New', 'MQL', 'SAL', 'SQL', 'Nurture')");

            migrationBuilder.CreateIndex(
                name: "ix_leads_merged_into_id",
                table: "leads",
                column: "merged_into_id");

            migrationBuilder.CreateIndex(
                name: "ix_leads_phone_e164",
                table: "leads",
                column: "phone_e164");
        }
    }
}
