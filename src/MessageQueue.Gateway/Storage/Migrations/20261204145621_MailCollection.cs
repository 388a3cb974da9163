using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MessageQueue.Gateway.Storage.Migrations
{
    /// <inheritdoc />
    public partial class MailCollection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "MailedThrough",
                table: "Subscriptions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "Mode",
                table: "Subscriptions",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Immediate");

            migrationBuilder.AddColumn<long>(
                name: "NextMailAt",
                table: "Subscriptions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AlterColumn<long>(
                name: "NotificationId",
                table: "Deliveries",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<long>(
                name: "FirstSequence",
                table: "Deliveries",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastSequence",
                table: "Deliveries",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SubjectId",
                table: "Deliveries",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            // A delivery names its subject itself now (a mail of updates has no notification row); an update's delivery
            // from before reports that one update.
            migrationBuilder.Sql("""
                UPDATE "Deliveries" SET
                    "SubjectId" = (SELECT n."SubjectId" FROM "Notifications" AS n WHERE n."Id" = "Deliveries"."NotificationId"),
                    "FirstSequence" = (SELECT CASE WHEN n."Kind" = 'Update' THEN n."Sequence" END FROM "Notifications" AS n WHERE n."Id" = "Deliveries"."NotificationId"),
                    "LastSequence" = (SELECT CASE WHEN n."Kind" = 'Update' THEN n."Sequence" END FROM "Notifications" AS n WHERE n."Id" = "Deliveries"."NotificationId");
                """);

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_SubjectId",
                table: "Deliveries",
                column: "SubjectId");

            migrationBuilder.AddForeignKey(
                name: "FK_Deliveries_Subjects_SubjectId",
                table: "Deliveries",
                column: "SubjectId",
                principalTable: "Subjects",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            // Each registration's mails start after what was already mailed: after the subject's last update, or before
            // the first update whose mails were still to be made, which the registration's next mail now reports.
            migrationBuilder.Sql("""
                UPDATE "Subscriptions" SET "MailedThrough" = COALESCE(
                    (SELECT MIN(n."Sequence") - 1 FROM "Notifications" AS n
                     WHERE n."SubjectId" = "Subscriptions"."SubjectId" AND n."Kind" = 'Update' AND n."ExpandedAt" IS NULL),
                    (SELECT j."LastSequence" FROM "Subjects" AS j WHERE j."Id" = "Subscriptions"."SubjectId"));
                UPDATE "Notifications" SET "ExpandedAt" = "CreatedAt" WHERE "Kind" = 'Update' AND "ExpandedAt" IS NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Deliveries_Subjects_SubjectId",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_SubjectId",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "MailedThrough",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "Mode",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "NextMailAt",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "FirstSequence",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LastSequence",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "SubjectId",
                table: "Deliveries");

            migrationBuilder.AlterColumn<long>(
                name: "NotificationId",
                table: "Deliveries",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "INTEGER",
                oldNullable: true);
        }
    }
}
