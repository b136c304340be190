CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`userid` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`userid`) REFERENCES `staff`(`userid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_userid_idx` ON `sessions` (`userid`);