package store

import "github.com/vnstat-exporter/vnstat-exporter/billing"

// CalibrationFile is the file that keeps the calibration.
const CalibrationFile = "calibration.json"

// Calibration returns the calibration kept in d, nil if there is none. An
// error is one of Load's: the file has been set aside.
func (d *Dir) Calibration() (*billing.Calibration, error) {
	var c billing.Calibration
	found, err := d.Load(CalibrationFile, &c)
	if err != nil || !found {
		return nil, err
	}
	return &c, nil
}

// KeepCalibration replaces the calibration kept in d with c.
func (d *Dir) KeepCalibration(c billing.Calibration) error {
	return d.Save(CalibrationFile, c)
}
